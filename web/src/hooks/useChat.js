// The open conversation: its messages, the live reply, the draft, sending and errors.
// State lives in chatState.js (a reducer with named actions); this hook only runs the
// effects: loading a conversation, sending, stopping, and listening to live events.
import { useCallback, useEffect, useReducer, useRef } from "react";
import { chatReducer, draftKey, draftOf, editKey, initialChatState, keptAsFailed, liveTurnOnScreen, shownMessages } from "./chatState.js";

const newKey = () =>
  globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
const QUIET_MS = 3000; // no live event for this long: ask the server how the turn is doing

// A 429 says when to retry: the screen counts down to that moment (``until``).
function countDownFrom(failure) {
  if (failure.status === 429 && failure.retryAfter) failure.until = Date.now() + failure.retryAfter * 1000;
}

export function describeError(error) {
  if (!error) return null;
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
    return `You are sending messages too fast.${wait}`;
  }
  if (error.cutShort) return `The reply was cut short: ${error.message} Continue it, or send again.`;
  if (error.code === "agent_misconfigured") {
    return "The assistant is misconfigured: the model refused the request. Your message was kept; retrying will not help until the operator fixes it.";
  }
  if (error.status === 503) return "The assistant is unavailable right now. Your message was kept; retry it.";
  if (error.status === 401) return "Your session expired. Please sign in again.";
  if (error.status === 0) {
    return globalThis.navigator?.onLine === false
      ? "You're offline. Nothing was sent; send again when you're back online."
      : "Cannot reach the server. Check your connection and retry.";
  }
  return error.message;
}

/** Drafts kept in the browser (per signed-in user), so a reload loses none. */
export function browserDraftStore(user, storage = globalThis.localStorage) {
  const key = `chat.drafts.${user}`;
  return {
    load() {
      try {
        const drafts = JSON.parse(storage?.getItem(key) || "{}");
        return drafts && typeof drafts === "object" ? drafts : {};
      } catch {
        return {};
      }
    },
    save(drafts) {
      try {
        if (Object.keys(drafts).length) storage?.setItem(key, JSON.stringify(drafts));
        else storage?.removeItem(key);
      } catch {
        // Storage full or disabled: the drafts still live in memory.
      }
    },
  };
}

/**
 * useChat({ api, live, conversationId, onConversationStarted, onActivity, onSignedOut, draftStore })
 * live.subscribe(listener) -> unsubscribe: the user's turn events (services/live.js).
 */
export function useChat({ api, live, conversationId, onConversationStarted, onActivity, onSignedOut, draftStore }) {
  const [state, dispatch] = useReducer(chatReducer, initialChatState, (initial) => ({
    ...initial,
    drafts: draftStore?.load() ?? {},
  }));
  const current = useRef(state);
  current.current = state;
  const lastEventAt = useRef(Date.now());
  useEffect(() => {
    draftStore?.save(state.drafts);
  }, [draftStore, state.drafts]);

  const load = useCallback(
    (id, messages = 100) =>
      api.getConversation(id, messages).then(
        (conversation) => dispatch({ type: "LOADED", conversationId: id, conversation, metaOnly: messages === 0 }),
        (error) => dispatch({ type: "LOAD_FAILED", conversationId: id, error }),
      ),
    [api],
  );

  // The conversation on screen follows the URL; one we just started is already here.
  useEffect(() => {
    if (conversationId === current.current.conversationId) return;
    dispatch({ type: "OPEN", conversationId });
    if (conversationId) load(conversationId);
  }, [conversationId, load]);

  // Live events of every turn of this user.
  useEffect(() => {
    if (!live) return undefined;
    return live.subscribe((event) => {
      if (event.type === "connection.open") {
        const shown = current.current;
        if (shown.conversationId && liveTurnOnScreen(shown)) load(shown.conversationId);
        return;
      }
      const shown = current.current;
      if (event.type === "conversation.titled") {
        // The model titled a conversation after its first reply: header and sidebar follow.
        if (event.conversation_id === shown.conversationId) load(event.conversation_id, 0);
        onActivity?.();
        return;
      }
      if (event.conversation_id === shown.conversationId) lastEventAt.current = Date.now();
      // Another tab or device sent it (not on screen yet), or edited it (on screen with
      // messages after it, which the edit took out): show what the server has.
      const unseen =
        event.type === "turn.started" &&
        event.conversation_id === shown.conversationId &&
        !shown.sending &&
        !shown.turns[event.turn_id] &&
        (!shown.messages.some((m) => m.seq === event.user_message_seq) ||
          shown.messages.some((m) => m.seq > event.user_message_seq));
      dispatch({ type: "EVENT", event });
      // A reply too large for one WebSocket message comes without its text: read it.
      const omitted = event.type === "turn.completed" && event.omitted;
      if (unseen || (omitted && event.conversation_id === shown.conversationId)) load(event.conversation_id);
      if (event.type === "turn.completed" || event.type === "turn.failed") onActivity?.();
    });
  }, [live, load, onActivity]);

  // Back online after a failed load: try again by itself.
  const failedLoad = Boolean(state.loadError);
  useEffect(() => {
    if (!failedLoad || !state.conversationId) return undefined;
    const id = state.conversationId;
    const online = () => load(id);
    window.addEventListener("online", online);
    return () => window.removeEventListener("online", online);
  }, [failedLoad, state.conversationId, load]);

  // A live reply that went quiet (socket down, events missed): the stored state decides.
  const liveTurn = liveTurnOnScreen(state);
  const liveTurnId = liveTurn?.turnId;
  useEffect(() => {
    if (!liveTurnId || !state.conversationId) return undefined;
    const id = state.conversationId;
    const timer = setInterval(() => {
      if (Date.now() - lastEventAt.current >= QUIET_MS) {
        lastEventAt.current = Date.now();
        load(id);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [liveTurnId, state.conversationId, load]);

  const deliver = useCallback(
    async (text, { agentType, replacing, fromDraft = false, request } = {}) => {
      const pendingId = `pending-${newKey()}`;
      const wasNew = !current.current.conversationId;
      // What identifies this request: a retry resends exactly it (same key, same body).
      const sent = request || { key: newKey(), conversationId: current.current.conversationId, agentType };
      const draftAt = draftKey(current.current);
      dispatch({ type: "SEND_STARTED", text, pendingId, replacing, fromDraft, request: sent, draftKey: draftAt });
      lastEventAt.current = Date.now();
      try {
        const answer = await api.chat({
          message: text,
          conversationId: sent.conversationId,
          agentType: sent.agentType,
          idempotencyKey: sent.key,
          stream: true,
        });
        if (answer.reply) dispatch({ type: "TURN_DONE", turn: answer, pendingId });
        else dispatch({ type: "TURN_ACCEPTED", accepted: answer, pendingId, request: sent });
        if (wasNew) onConversationStarted?.(answer.conversation_id);
        onActivity?.();
        return true;
      } catch (failure) {
        countDownFrom(failure);
        dispatch({ type: "SEND_FAILED", error: failure, text, pendingId, replacing, fromDraft, draftKey: draftAt });
        if (keptAsFailed(failure) && wasNew && failure.conversationId) {
          onConversationStarted?.(failure.conversationId);
          load(failure.conversationId, 0);
        }
        if (keptAsFailed(failure)) onActivity?.();
        if (failure.status === 401) onSignedOut?.();
        return false;
      }
    },
    [api, load, onConversationStarted, onActivity, onSignedOut],
  );

  const busy = (s) => s.sending || Boolean(liveTurnOnScreen(s));

  const send = useCallback(
    async ({ agentType } = {}) => {
      const draft = draftOf(current.current);
      if (!draft.trim() || busy(current.current)) return false;
      return deliver(draft, { agentType, fromDraft: true });
    },
    [deliver],
  );

  // The same request again (same Idempotency-Key when we have it): the server answers
  // the message it stored instead of storing a second copy.
  const retry = useCallback(
    (message) =>
      busy(current.current)
        ? Promise.resolve(false)
        : deliver(message.content, { replacing: message.id, request: message.request }),
    [deliver],
  );

  // Regenerate the last reply, continue it (``goOn``: the reply cut short, or waiting for
  // approval with ``decisions``), or (``edit``: { seq, text }) edit and resend the last
  // user message. An edit's text stays in its draft until the server has it.
  const rewrite = useCallback(
    async (edit, goOn = null, decisions = null) => {
      const id = current.current.conversationId;
      if (!id || busy(current.current)) return false;
      const announcement = edit
        ? "Sending the edited message…"
        : decisions
          ? "Going on with your decision…"
          : goOn
            ? "Continuing the reply…"
            : "Regenerating…";
      dispatch({ type: "REWRITE_STARTED", announcement });
      lastEventAt.current = Date.now();
      try {
        const answer = edit
          ? await api.editMessage(id, edit.seq, edit.text)
          : decisions
            ? await api.decideApproval(id, decisions)
            : goOn
              ? await api.continueReply(id)
              : await api.regenerate(id);
        if (edit) dispatch({ type: "DRAFT", key: editKey(id, edit.seq), text: "" });
        if (answer.reply) dispatch({ type: "TURN_DONE", turn: answer });
        else dispatch({ type: "TURN_ACCEPTED", accepted: answer, edited: Boolean(edit), seedText: goOn?.content });
        onActivity?.();
        return true;
      } catch (failure) {
        countDownFrom(failure);
        dispatch({ type: "REWRITE_FAILED", error: failure });
        if (failure.status === 401) onSignedOut?.();
        if (keptAsFailed(failure) && edit) {
          dispatch({ type: "DRAFT", key: editKey(id, edit.seq), text: "" }); // stored, as failed
          load(id);
          return true; // the edit reached the server: its editor closes
        }
        return false;
      }
    },
    [api, load, onActivity, onSignedOut],
  );

  const stop = useCallback(async () => {
    const id = current.current.conversationId;
    if (!id || !liveTurnOnScreen(current.current)) return;
    dispatch({ type: "STOPPING" });
    try {
      await api.stopTurn(id);
    } catch {
      dispatch({ type: "STOP_FAILED" });
      load(id);
    }
  }, [api, load]);

  return {
    conversationId: state.conversationId,
    conversation: state.conversation,
    messages: shownMessages(state.messages, liveTurn),
    live: liveTurn,
    draft: draftOf(state),
    setDraft: useCallback((text) => dispatch({ type: "DRAFT", text }), []),
    send,
    retry,
    regenerate: useCallback(() => rewrite(null), [rewrite]),
    continueReply: useCallback((reply) => rewrite(null, reply), [rewrite]),
    // Approve or reject every call ``reply`` waits for; ``reason`` reaches the model.
    decide: useCallback(
      (reply, approve, reason = "") =>
        rewrite(
          null,
          reply,
          reply.tool_calls
            .filter((call) => call.approval === "pending")
            .map((call) => ({ call_id: call.id, approve, ...(reason.trim() && !approve ? { reason: reason.trim() } : {}) })),
        ),
      [rewrite],
    ),
    editMessage: useCallback((seq, text) => rewrite({ seq, text }), [rewrite]),
    // The edit being written for a message (empty: no editor open).
    editDraft: (seq) => state.drafts[editKey(state.conversationId, seq)] || "",
    setEditDraft: useCallback(
      (seq, text) => dispatch({ type: "DRAFT", key: editKey(current.current.conversationId, seq), text }),
      [],
    ),
    stop,
    stopping: state.stopping,
    sending: state.sending,
    busy: busy(state),
    loading: state.loading,
    loadError: state.loadError,
    reload: useCallback(() => state.conversationId && load(state.conversationId), [state.conversationId, load]),
    // The title or other details changed elsewhere (a rename in the sidebar).
    refreshDetails: useCallback(() => state.conversationId && load(state.conversationId, 0), [state.conversationId, load]),
    announcement: state.announcement,
    error: state.error,
    errorText: describeError(state.error),
    dismissError: useCallback(() => dispatch({ type: "DISMISS_ERROR" }), []),
  };
}
