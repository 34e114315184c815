// Regenerate, edit and resend, and the "‹ 1/2 ›" pager through a message's earlier
// versions (docs/api.md "Regenerate and edit"). Nothing is ever deleted on the server,
// so the pager can always show what a regeneration or an edit replaced.
import { useEffect, useLayoutEffect, useRef, useState } from "react";

/**
 * Which version of ``message`` is shown: the current one (the message itself) or an
 * earlier one fetched with ``onVersion(seq, version)`` (kept once fetched).
 */
export function useVersionView(message, onVersion) {
  const [shown, setShown] = useState(null); // null: the current version
  const [fetched, setFetched] = useState({});
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState(null);
  // A new current version (regenerated, edited): show it, forget what was fetched.
  useEffect(() => {
    setShown(null);
    setFetched({});
    setProblem(null);
  }, [message.id]);

  const go = async (version) => {
    setProblem(null);
    if (version >= message.version) {
      setShown(null);
      return;
    }
    if (!fetched[version]) {
      setLoading(true);
      try {
        const found = await onVersion(message.seq, version);
        setFetched((known) => ({ ...known, [version]: found }));
      } catch {
        setProblem("That version could not be loaded; try again.");
        return;
      } finally {
        setLoading(false);
      }
    }
    setShown(version);
  };
  return { number: shown ?? message.version, total: message.version, earlier: shown ? fetched[shown] : null, go, loading, problem };
}

export function VersionPager({ view, role }) {
  const { number, total, go, loading } = view;
  const what = role === "user" ? "message" : "reply";
  return (
    <span className="versions" role="group" aria-label={`Versions of this ${what}`}>
      <button type="button" className="icon" onClick={() => go(number - 1)} disabled={loading || number <= 1} aria-label={`Previous version of this ${what}`}>
        ‹
      </button>
      <span className="version-count" aria-live="polite">
        {number} / {total}
      </span>
      <button type="button" className="icon" onClick={() => go(number + 1)} disabled={loading || number >= total} aria-label={`Next version of this ${what}`}>
        ›
      </button>
    </span>
  );
}

// Material Design's "refresh" (Apache 2.0), drawn so it needs no icon font.
function RefreshIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
      <path
        fill="currentColor"
        d="M17.65 6.35A7.958 7.958 0 0 0 12 4c-4.42 0-7.99 3.58-7.99 8s3.57 8 7.99 8c3.73 0 6.84-2.55 7.73-6h-2.08A5.99 5.99 0 0 1 12 18c-3.31 0-6-2.69-6-6s2.69-6 6-6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z"
      />
    </svg>
  );
}

export function RegenerateButton({ onRegenerate, disabled }) {
  return (
    <button type="button" className="regenerate" onClick={onRegenerate} disabled={disabled} aria-label="Regenerate reply" title="Regenerate reply">
      <RefreshIcon /> Regenerate
    </button>
  );
}

/**
 * The last user message's editor. Its text is a draft (kept through reloads and
 * conversation switches by useChat); Send resends it, Cancel or Escape closes it.
 */
export function EditBox({ text, setText, onSend, onCancel, disabled }) {
  const box = useRef(null);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight + 2, window.innerHeight * 0.4)}px`;
  }, [text]);
  useEffect(() => {
    box.current?.focus();
  }, []);
  const blank = !text.trim();
  const onKeyDown = (event) => {
    if (event.key === "Escape") onCancel();
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (!blank && !disabled) onSend();
    }
  };
  return (
    <div className="edit-box">
      <label className="sr-only" htmlFor="edit-input">
        Edit your message
      </label>
      <textarea id="edit-input" ref={box} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} rows={1} />
      <div className="edit-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={onSend} disabled={blank || disabled}>
          Send
        </button>
      </div>
    </div>
  );
}

/** The last user message's editor: open or not, and its text (a draft in useChat). */
export function useEditor(chat, editableSeq) {
  const [editing, setEditing] = useState(null);
  const latest = useRef(chat);
  latest.current = chat;
  // An edit left open (a reload, a switch back) opens again with its text.
  useEffect(() => {
    setEditing(editableSeq && latest.current.editDraft(editableSeq) ? editableSeq : null);
  }, [chat.conversationId, editableSeq]);
  return (message) => {
    if (message.seq !== editableSeq) return null;
    const seq = message.seq;
    return {
      open: editing === seq,
      text: chat.editDraft(seq),
      setText: (text) => chat.setEditDraft(seq, text),
      start: () => {
        setEditing(seq);
        if (!chat.editDraft(seq)) chat.setEditDraft(seq, message.content);
      },
      cancel: () => {
        chat.setEditDraft(seq, "");
        setEditing(null);
      },
      send: async () => {
        if (await chat.editMessage(seq, chat.editDraft(seq))) setEditing(null);
      },
    };
  };
}
