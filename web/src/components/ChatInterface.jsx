// The open conversation: its messages, the live reply, errors, and the input box.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { limits } from "../config.js";
import { Markdown } from "./Markdown.jsx";
import { CopyButton } from "./CopyButton.jsx";
import { ExportButtons } from "./ExportButtons.jsx";
import { FeedbackButtons } from "./FeedbackButtons.jsx";
import { EditBox, RegenerateButton, VersionPager, useEditor, useVersionView } from "./MessageRewrites.jsx";
import { Thinking, ThinkingNow } from "./Thinking.jsx";
import { ApprovalPrompt, ToolCalls, UnavailableTools } from "./ToolCalls.jsx";
import { shortTime } from "./time.js";
import { useNow } from "../hooks/useNow.js";

// How a reply ended (its finish_reason), in the reader's words: each reads differently.
const ENDINGS = {
  stopped: "Stopped.",
  length: "Cut short: the answer reached its length limit.",
  content_filter: "Cut short by the model provider's content filter.",
  error: "The reply was cut short by an error.",
  deadline: "The reply took too long and was cut short.",
};
// The endings Continue goes on from (a filtered answer would only be filtered again),
// while the reply has room to grow: a reply holds at most 200,000 bytes of UTF-8 and
// the server refuses a Continue within 4 KB of that (docs/api.md "Continue").
const CONTINUABLE = new Set(["stopped", "length", "error", "deadline"]);
const CONTINUE_ROOM_BYTES = 200_000 - 4096;
const canContinue = (message) =>
  CONTINUABLE.has(endingOf(message)) && new TextEncoder().encode(message.content).length <= CONTINUE_ROOM_BYTES;
const endingOf = (message) => message.finish_reason ?? (message.status === "incomplete" ? "error" : message.status);
// A user message longer than this is shown folded, with "Show more".
const FOLD_CHARS = 1200;
const FOLD_LINES = 14;
// The counter appears when a message gets this close to the limit.
const COUNTER_FROM = 0.9;

function UserText({ content }) {
  const long = content.length > FOLD_CHARS || content.split("\n").length > FOLD_LINES;
  const [open, setOpen] = useState(false);
  return (
    <>
      <p className={`plain${long && !open ? " folded" : ""}`}>{content}</p>
      {long && (
        <button type="button" className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "Show less" : "Show more"}
        </button>
      )}
    </>
  );
}

function MessageView({ message, onRetry, disabled, onRate, onVersion, onRegenerate, onContinue, onDecide, editor, onEarlierShown }) {
  const view = useVersionView(message, onVersion);
  const earlier = view.earlier; // an earlier version on screen (the pager)
  const shown = earlier ? earlier.message : message;
  const content = shown.content;
  const failed = message.status === "failed" && !earlier;
  const ending = message.role === "assistant" ? ENDINGS[endingOf(shown)] : undefined;
  const mine = message.role === "user";
  // An earlier text of the user's shows the reply it had; the list hides today's.
  const replacedSeq = mine && earlier ? message.seq : null;
  useLayoutEffect(() => {
    if (!replacedSeq || !onEarlierShown) return undefined;
    onEarlierShown(replacedSeq, true);
    return () => onEarlierShown(replacedSeq, false);
  }, [replacedSeq, onEarlierShown]);
  const current = !earlier && !message.pending;
  return (
    <li
      className={`message ${message.role}${failed ? " failed" : ""}${message.pending ? " pending" : ""}${ending ? " ended" : ""}${earlier ? " earlier" : ""}`}
      data-role={message.role}
      data-seq={message.seq}
      data-status={message.status || "ok"}
      data-version={view.number}
    >
      <span className="sr-only">{mine ? "You said:" : "Assistant:"}</span>
      {!mine && shown.reasoning && <Thinking reasoning={shown.reasoning} />}
      {!mine && <ToolCalls calls={shown.tool_calls} />}
      {!mine && !earlier && <ApprovalPrompt message={message} onDecide={onDecide} disabled={disabled} />}
      {editor?.open ? (
        <EditBox text={editor.text} setText={editor.setText} onSend={editor.send} onCancel={editor.cancel} disabled={disabled} />
      ) : mine ? (
        <UserText content={content} />
      ) : (
        <Markdown text={content} />
      )}
      {earlier && mine && (
        <div className="version-reply">
          <span className="version-reply-label">{earlier.reply ? "The reply it had:" : "It had no reply."}</span>
          {earlier.reply && <Markdown text={earlier.reply.content} />}
        </div>
      )}
      {ending && (
        <div className="ending-note" data-ending={endingOf(shown)}>
          {ending}
          {onContinue && !earlier && canContinue(message) && (
            <button type="button" className="continue" onClick={() => onContinue(message)} disabled={disabled}>
              Continue
            </button>
          )}
        </div>
      )}
      {failed && !message.retried && (
        <div className="failed-note">
          {message.unsent ? "Not sent." : "Not answered."}{" "}
          <button type="button" onClick={() => onRetry(message)} disabled={disabled}>
            Retry
          </button>
        </div>
      )}
      <div className="message-foot">
        {message.created_at && (
          <time dateTime={message.created_at} title={new Date(message.created_at).toLocaleString()}>
            {shortTime(earlier ? earlier.message.created_at : message.created_at)}
          </time>
        )}
        {message.version > 1 && onVersion && !message.pending && <VersionPager view={view} role={message.role} />}
        {view.problem && (
          <span className="version-problem" role="alert">
            {view.problem}
          </span>
        )}
        {!message.pending && content && <CopyButton text={content} label="Copy message" />}
        {!mine && onRate && message.seq && current && (
          <FeedbackButtons seq={message.seq} feedback={message.feedback} onRate={onRate} />
        )}
        {editor && !editor.open && current && (
          <button type="button" className="edit" onClick={editor.start} disabled={disabled}>
            Edit
          </button>
        )}
        {onRegenerate && current && <RegenerateButton onRegenerate={onRegenerate} disabled={disabled} />}
      </div>
    </li>
  );
}

/**
 * The replies to hide: while a user message shows an earlier version (with the reply
 * that version had), the reply its current text got, stored or still being written,
 * would answer a question no longer on screen.
 */
function useRepliesOfEarlierVersions(messages, live) {
  const [earlierShown, setShown] = useState({}); // user message seq -> true
  const setEarlierShown = useCallback((seq, shown) => {
    setShown((known) => {
      const next = { ...known };
      if (shown) next[seq] = true;
      else delete next[seq];
      return next;
    });
  }, []);
  const answersEarlier = (before) => Boolean(before && before.role === "user" && earlierShown[before.seq]);
  const visible = messages.filter((m, i) => m.role !== "assistant" || !answersEarlier(messages[i - 1]));
  const liveHidden = Boolean(live) && answersEarlier(messages[messages.length - 1]);
  return { visible, liveHidden, setEarlierShown };
}

function LiveReply({ turn }) {
  return (
    <li className="message assistant live" data-role="assistant" data-live="true" aria-busy="true">
      <span className="sr-only">Assistant is writing:</span>
      {turn.reasoning && <Thinking reasoning={turn.reasoning} since={turn.text ? null : turn.startedAt} />}
      <UnavailableTools sources={turn.unavailable} />
      <ToolCalls calls={turn.tools} />
      {turn.text ? <Markdown text={turn.text} /> : <ThinkingNow since={turn.startedAt} quiet={Boolean(turn.reasoning)} />}
    </li>
  );
}

/** Follows new content only while the reader is at the bottom of the list. */
function useStickToBottom(contentKey, conversationId) {
  const list = useRef(null);
  const atBottom = useRef(true);
  const [behind, setBehind] = useState(false);

  const toBottom = () => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
    atBottom.current = true;
    setBehind(false);
  };
  useLayoutEffect(() => {
    atBottom.current = true; // another conversation opens at its latest message
  }, [conversationId]);
  useLayoutEffect(() => {
    if (atBottom.current) toBottom();
    else setBehind(true);
  }, [contentKey]);

  const onScroll = () => {
    const element = list.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    if (atBottom.current) setBehind(false);
  };
  return { list, onScroll, behind, toBottom };
}

/** Seconds left until ``until`` (ms), ticking; 0 once passed. */
function useSecondsLeft(until) {
  const now = useNow(Boolean(until), 250);
  return until ? Math.max(0, Math.ceil((until - now) / 1000)) : 0;
}

function Composer({ draft, setDraft, onSubmit, live, stop, stopping, busy, waitSeconds }) {
  const input = useRef(null);
  const over = draft.length - limits.messageChars;
  const showCounter = draft.length >= limits.messageChars * COUNTER_FROM;

  useLayoutEffect(() => {
    const box = input.current;
    if (!box) return;
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight + 2, window.innerHeight * 0.4)}px`;
  }, [draft]);

  const blocked = busy || !draft.trim() || over > 0 || waitSeconds > 0;
  const submit = (event) => {
    event?.preventDefault();
    if (!blocked) onSubmit();
  };
  const onKeyDown = (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="message-input" className="sr-only">
        Message
      </label>
      <div className="composer-box">
        <textarea
          id="message-input"
          ref={input}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          rows={1}
          aria-describedby={showCounter ? "message-counter" : undefined}
          aria-invalid={over > 0 || undefined}
        />
        {showCounter && (
          <p id="message-counter" className={`counter${over > 0 ? " over" : ""}`} aria-live="polite">
            {over > 0
              ? `${over.toLocaleString()} characters over the limit of ${limits.messageChars.toLocaleString()}: shorten it to send.`
              : `${draft.length.toLocaleString()} / ${limits.messageChars.toLocaleString()}`}
          </p>
        )}
      </div>
      {live ? (
        <button type="button" className="stop" onClick={stop} disabled={stopping} aria-label="Stop generating">
          {stopping ? "Stopping…" : "Stop"}
        </button>
      ) : (
        <button type="submit" disabled={blocked}>
          {waitSeconds > 0 ? `Wait ${waitSeconds} s` : "Send"}
        </button>
      )}
    </form>
  );
}

export function ChatInterface({ chat, agents, agentType, onAgentTypeChange, onOpenSidebar, menuButton, liveStatus, notice, onDismissNotice, undoable, onUndoDelete, onExport, onRate, onVersion }) {
  const { conversation, messages, live, draft, setDraft, send, retry, stop, stopping, sending, busy, loading, loadError, reload, announcement, error, errorText, dismissError } = chat;
  const last = messages[messages.length - 1];
  // Only the last exchange can be rewritten: its user message edited, its reply regenerated.
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  const editableSeq = lastUser?.seq && !lastUser.pending && !lastUser.unsent ? lastUser.seq : null;
  const editorFor = useEditor(chat, editableSeq);
  const { visible, liveHidden, setEarlierShown } = useRepliesOfEarlierVersions(messages, live);
  const regenerable = last?.role === "assistant" && last.seq && !live && !sending;
  // A failed last message with no request of ours to resend (a reload, another tab):
  // resent as an edit with the same text, which the server runs again in place.
  const retryMessage = (m) =>
    !m.request && m.seq && m.seq === editableSeq && m.seq === last?.seq ? chat.editMessage(m.seq, m.content) : retry(m);
  const { list, onScroll, behind, toBottom } = useStickToBottom(
    `${messages.length}:${last?.id}:${sending}:${live?.text.length ?? -1}`,
    conversation?.id,
  );
  const waitSeconds = useSecondsLeft(error?.status === 429 ? error.until : null);
  // An open conversation whose load failed is never shown as a new one.
  const title =
    conversation?.title ||
    (chat.conversationId ? (loadError ? "Conversation unavailable" : "") : "New conversation");
  const agent = agents.find((a) => a.name === agentType);

  useEffect(() => {
    document.title = title ? `${title} · Chat` : "Chat";
  }, [title]);
  useEffect(() => {
    document.getElementById("message-input")?.focus();
  }, [conversation?.id]);
  useEffect(() => {
    if (error?.status === 429 && error.until && waitSeconds === 0) dismissError();
  }, [error, waitSeconds, dismissError]);

  const submit = async () => {
    toBottom();
    await send({ agentType: conversation ? undefined : agentType });
    document.getElementById("message-input")?.focus();
  };

  return (
    <main className="chat" aria-label="Chat">
      <header className="chat-header">
        <button type="button" className="menu" ref={menuButton} onClick={onOpenSidebar} aria-label="Show conversations">
          ☰
        </button>
        <h2 className="chat-title">{title || "Loading…"}</h2>
        {!chat.conversationId && agents.length > 0 && (
          <label className="agent-picker">
            Agent{" "}
            <select value={agentType} onChange={(e) => onAgentTypeChange(e.target.value)} aria-label="Agent type" aria-describedby="agent-description">
              {agents.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {conversation && <span className="agent-tag">{conversation.agent_type}</span>}
        {conversation && onExport && <ExportButtons onExport={onExport} />}
      </header>
      {!chat.conversationId && agent?.description && (
        <p id="agent-description" className="agent-description">
          {agent.description}
        </p>
      )}
      <div className="messages-frame">
        <ol className="messages" aria-label="Messages" ref={list} onScroll={onScroll}>
          {loading && <li className="status">Loading conversation…</li>}
          {loadError && (
            <li className="status load-error" role="alert">
              {loadError.status === 0 && !navigator.onLine
                ? "You're offline, so this conversation could not be loaded."
                : "This conversation could not be loaded."}{" "}
              <button type="button" onClick={reload}>
                Retry
              </button>
            </li>
          )}
          {!loading && !loadError && messages.length === 0 && !live && (
            <li className="status empty">
              Send a message to start. {conversation ? "" : "Pick an agent above: each answers in its own way. "}
              Your conversations are kept, so you can come back to any of them.
            </li>
          )}
          {visible.map((m) => (
            <MessageView
              key={m.id}
              message={m}
              onRetry={retryMessage}
              disabled={busy}
              onRate={onRate}
              onVersion={onVersion}
              onRegenerate={regenerable && m === last ? chat.regenerate : null}
              onContinue={regenerable && m === last ? chat.continueReply : null}
              onDecide={m === last && m.role === "assistant" ? chat.decide : null}
              editor={editorFor(m)}
              onEarlierShown={setEarlierShown}
            />
          ))}
          {live && !liveHidden && <LiveReply turn={live} />}
          {sending && !live && (
            <li className="message assistant typing" aria-label="Assistant is typing">
              <span className="dots" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
            </li>
          )}
        </ol>
        {behind && (
          <button type="button" className="jump" onClick={toBottom}>
            ↓ Jump to latest
          </button>
        )}
      </div>
      <div className="sr-only" aria-live="polite" role="status">
        {announcement}
      </div>
      {undoable && (
        <div className="notice cap-notice undo" role="status">
          <span>Deleted “{undoable.title}”.</span>
          <button type="button" className="undo-button" onClick={() => onUndoDelete(undoable.id)}>
            Undo
          </button>
        </div>
      )}
      {notice && (
        <div className="notice cap-notice" role="status">
          <span>{notice}</span>
          <button type="button" onClick={onDismissNotice} aria-label="Dismiss notice">
            ×
          </button>
        </div>
      )}
      {liveStatus === "replaced" && (
        <div className="notice" role="status">
          Live replies now go to a newer tab or window (a user keeps at most 10 open). Reload this page to get them here.
        </div>
      )}
      {liveStatus === "closed" && live && (
        <div className="notice" role="status">
          Reconnecting to the live reply…
        </div>
      )}
      {errorText && (
        <div className="error" role="alert">
          <span>{error?.status === 429 && error.until ? `You are sending messages too fast. Try again in ${waitSeconds} s.` : errorText}</span>
          <button type="button" onClick={dismissError} aria-label="Dismiss error">
            ×
          </button>
        </div>
      )}
      <Composer
        draft={draft}
        setDraft={setDraft}
        onSubmit={submit}
        live={live}
        stop={stop}
        stopping={stopping}
        busy={busy}
        waitSeconds={waitSeconds}
      />
    </main>
  );
}
