// The open conversation: its messages, a typing indicator, errors, and the input box.
import { useEffect, useRef } from "react";
import { Markdown } from "./Markdown.jsx";

const ENDINGS = {
  stopped: "Stopped.",
  incomplete: "The reply was cut short.",
};

function MessageView({ message, onRetry, disabled }) {
  const failed = message.status === "failed";
  const ending = ENDINGS[message.status];
  return (
    <li
      className={`message ${message.role}${failed ? " failed" : ""}${message.pending ? " pending" : ""}${ending ? " ended" : ""}`}
      data-role={message.role}
      data-seq={message.seq}
      data-status={message.status || "ok"}
    >
      <span className="sr-only">{message.role === "user" ? "You said:" : "Assistant:"}</span>
      {message.role === "assistant" ? <Markdown text={message.content} /> : <p className="plain">{message.content}</p>}
      {ending && <div className="ending-note">{ending}</div>}
      {failed && !message.retried && (
        <div className="failed-note">
          {message.unsent ? "Not sent." : "Not answered."}{" "}
          <button type="button" onClick={() => onRetry(message)} disabled={disabled}>
            Retry
          </button>
        </div>
      )}
    </li>
  );
}

function LiveReply({ turn }) {
  return (
    <li className="message assistant live" data-role="assistant" data-live="true" aria-busy="true">
      <span className="sr-only">Assistant is writing:</span>
      {turn.text ? (
        <Markdown text={turn.text} />
      ) : (
        <span className="dots typing-dots" aria-label="Assistant is typing">
          <i />
          <i />
          <i />
        </span>
      )}
    </li>
  );
}

export function ChatInterface({ chat, agents, agentType, onAgentTypeChange, onOpenSidebar, liveStatus }) {
  const { conversation, messages, live, draft, setDraft, send, retry, stop, stopping, sending, busy, loading, loadError, reload, announcement, errorText, dismissError } = chat;
  const input = useRef(null);
  const end = useRef(null);

  useEffect(() => {
    input.current?.focus();
  }, [conversation?.id]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, sending, live?.text.length]);

  const submit = async (event) => {
    event?.preventDefault();
    await send({ agentType: conversation ? undefined : agentType });
    input.current?.focus();
  };
  const onKeyDown = (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  return (
    <main className="chat" aria-label="Chat">
      <header className="chat-header">
        <button type="button" className="menu" onClick={onOpenSidebar} aria-label="Show conversations">
          ☰
        </button>
        <h1>{conversation?.title || "New conversation"}</h1>
        {!conversation && agents.length > 0 && (
          <label className="agent-picker">
            Agent{" "}
            <select value={agentType} onChange={(e) => onAgentTypeChange(e.target.value)} aria-label="Agent type">
              {agents.map((a) => (
                <option key={a.name} value={a.name} title={a.description}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {conversation && <span className="agent-tag">{conversation.agent_type}</span>}
      </header>
      <ol className="messages" aria-label="Messages">
        {loading && <li className="status">Loading conversation…</li>}
        {loadError && (
          <li className="status load-error" role="alert">
            This conversation could not be loaded. <button type="button" onClick={reload}>Retry</button>
          </li>
        )}
        {!loading && !loadError && messages.length === 0 && !live && <li className="status">Send a message to start.</li>}
        {messages.map((m) => (
          <MessageView key={m.id} message={m} onRetry={retry} disabled={busy} />
        ))}
        {live && <LiveReply turn={live} />}
        {sending && !live && (
          <li className="message assistant typing" aria-label="Assistant is typing">
            <span className="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
          </li>
        )}
        <li ref={end} aria-hidden="true" />
      </ol>
      <div className="sr-only" aria-live="polite" role="status">
        {announcement}
      </div>
      {liveStatus === "closed" && live && (
        <div className="notice" role="status">
          Reconnecting to the live reply…
        </div>
      )}
      {errorText && (
        <div className="error" role="alert">
          <span>{errorText}</span>
          <button type="button" onClick={dismissError} aria-label="Dismiss error">
            ×
          </button>
        </div>
      )}
      <form className="composer" onSubmit={submit}>
        <label htmlFor="message-input" className="sr-only">
          Message
        </label>
        <textarea
          id="message-input"
          ref={input}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          rows={2}
          maxLength={16000}
        />
        {live ? (
          <button type="button" className="stop" onClick={stop} disabled={stopping} aria-label="Stop generating">
            {stopping ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="submit" disabled={busy || !draft.trim()}>
            Send
          </button>
        )}
      </form>
    </main>
  );
}
