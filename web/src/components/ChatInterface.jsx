// The open conversation: its messages, a typing indicator, errors, and the input box.
import { useEffect, useRef } from "react";
import { Markdown } from "./Markdown.jsx";

function MessageView({ message, onRetry, disabled }) {
  const failed = message.status === "failed";
  return (
    <li className={`message ${message.role}${failed ? " failed" : ""}${message.pending ? " pending" : ""}`} data-role={message.role} data-seq={message.seq}>
      <span className="sr-only">{message.role === "user" ? "You said:" : "Assistant:"}</span>
      {message.role === "assistant" ? <Markdown text={message.content} /> : <p className="plain">{message.content}</p>}
      {failed && !message.retried && (
        <div className="failed-note">
          Not answered.{" "}
          <button type="button" onClick={() => onRetry(message)} disabled={disabled}>
            Retry
          </button>
        </div>
      )}
    </li>
  );
}

export function ChatInterface({ chat, agents, agentType, onAgentTypeChange, onOpenSidebar }) {
  const { conversation, messages, draft, setDraft, send, retry, sending, loading, errorText, dismissError } = chat;
  const input = useRef(null);
  const end = useRef(null);
  const lastReply = [...messages].reverse().find((m) => m.role === "assistant");

  useEffect(() => {
    input.current?.focus();
  }, [conversation?.id]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, sending]);

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
        {!loading && messages.length === 0 && <li className="status">Send a message to start.</li>}
        {messages.map((m) => (
          <MessageView key={m.id} message={m} onRetry={retry} disabled={sending} />
        ))}
        {sending && (
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
        {lastReply ? `Assistant replied: ${lastReply.content.slice(0, 300)}` : ""}
      </div>
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
        <button type="submit" disabled={sending || !draft.trim()}>
          Send
        </button>
      </form>
    </main>
  );
}
