// Chat state of the open conversation: its messages, the draft, sending and errors.
// A failed send never loses the user's words: the draft stays (or, for 503, the failed
// message stays on screen with a Retry button); 429 says when to retry.
import { useCallback, useEffect, useRef, useState } from "react";

const newKey = () =>
  globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `${Date.now()}-${Math.random()}`;

export function describeError(error) {
  if (!error) return null;
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
    return `You are sending messages too fast.${wait}`;
  }
  if (error.status === 503) return "The assistant is unavailable right now. Your message was kept; retry it.";
  if (error.status === 401) return "Your session expired. Please sign in again.";
  if (error.status === 0) return "Cannot reach the server. Check your connection and retry.";
  return error.message;
}

export function useChat({ api, conversationId, onConversationStarted, onActivity, onSignedOut }) {
  const [conversation, setConversation] = useState(null);
  const [messages, setMessages] = useState([]);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(null);
  const current = useRef(conversationId);
  const skipNextLoad = useRef(null);

  useEffect(() => {
    current.current = conversationId;
    if (skipNextLoad.current && skipNextLoad.current === conversationId) {
      skipNextLoad.current = null;
      return; // we just started it: its messages (and any error) are already on screen
    }
    setError(null);
    if (!conversationId) {
      setConversation(null);
      setMessages([]);
      return;
    }
    let cancelled = false;
    setLoading(true);
    api
      .getConversation(conversationId)
      .then((loaded) => {
        if (cancelled) return;
        const { messages: history, ...meta } = loaded;
        setConversation(meta);
        setMessages(history);
      })
      .catch((failure) => !cancelled && setError(failure))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [api, conversationId]);

  const deliver = useCallback(
    async (text, { agentType, replacing } = {}) => {
      const pendingId = `pending-${newKey()}`;
      setSending(true);
      setError(null);
      setMessages((list) => [
        ...list.map((m) => (m.id === replacing ? { ...m, retried: true } : m)),
        { id: pendingId, role: "user", content: text, pending: true },
      ]);
      try {
        const turn = await api.chat({
          message: text,
          conversationId: current.current,
          agentType,
          idempotencyKey: newKey(),
        });
        setMessages((list) => [...list.filter((m) => m.id !== pendingId), turn.user_message, turn.reply]);
        setConversation((meta) => ({
          ...(meta || {}),
          id: turn.conversation_id,
          title: turn.title,
          agent_type: turn.agent_type,
        }));
        if (!current.current) {
          current.current = turn.conversation_id;
          skipNextLoad.current = turn.conversation_id;
          onConversationStarted?.(turn.conversation_id);
        }
        onActivity?.();
        return true;
      } catch (failure) {
        if (failure.status === 503) {
          // Stored server-side with status "failed": show it with a Retry button.
          setMessages((list) =>
            list.map((m) => (m.id === pendingId ? { ...m, id: `failed-${newKey()}`, pending: false, status: "failed" } : m)),
          );
          if (!current.current && failure.conversationId) {
            current.current = failure.conversationId;
            skipNextLoad.current = failure.conversationId;
            onConversationStarted?.(failure.conversationId);
            api
              .getConversation(failure.conversationId, 0)
              .then(({ messages: _none, ...meta }) => setConversation(meta))
              .catch(() => {});
          }
          onActivity?.();
        } else {
          setMessages((list) => list.filter((m) => m.id !== pendingId));
          if (replacing) setMessages((list) => list.map((m) => (m.id === replacing ? { ...m, retried: false } : m)));
        }
        if (failure.status === 401) onSignedOut?.();
        setError(failure);
        return failure.status === 503;
      } finally {
        setSending(false);
      }
    },
    [api, onConversationStarted, onActivity, onSignedOut],
  );

  const send = useCallback(
    async ({ agentType } = {}) => {
      const text = draft;
      if (!text.trim() || sending) return false;
      const delivered = await deliver(text, { agentType });
      if (delivered) setDraft("");
      return delivered;
    },
    [draft, sending, deliver],
  );

  const retry = useCallback(
    (message) => (sending ? Promise.resolve(false) : deliver(message.content, { replacing: message.id })),
    [sending, deliver],
  );

  return {
    conversation,
    messages,
    draft,
    setDraft,
    send,
    retry,
    sending,
    loading,
    error,
    errorText: describeError(error),
    dismissError: () => setError(null),
  };
}
