// The user's conversations: active and archived, newest activity first, paged as you scroll.
import { useEffect, useRef, useState } from "react";

function ConversationItem({ conversation, selected, onOpen, onRename, onDelete }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(conversation.title);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState(null);

  const save = async (event) => {
    event.preventDefault();
    const next = title.trim();
    if (!next || next === conversation.title) return setEditing(false);
    try {
      await onRename(conversation.id, next);
      setEditing(false);
      setProblem(null);
    } catch (failure) {
      setProblem(failure.message);
    }
  };

  return (
    <li className={`conversation${selected ? " selected" : ""}`} data-id={conversation.id}>
      {editing ? (
        <form onSubmit={save} className="rename">
          <input
            aria-label="New title"
            value={title}
            maxLength={200}
            autoFocus
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
          />
          <button type="submit">Save</button>
        </form>
      ) : (
        <button type="button" className="open" onClick={() => onOpen(conversation.id)} aria-current={selected ? "page" : undefined}>
          <span className="title">{conversation.title}</span>
          <span className="meta">
            {conversation.message_count} messages · {conversation.agent_type}
          </span>
        </button>
      )}
      {!editing && !confirming && (
        <span className="actions">
          <button type="button" onClick={() => (setTitle(conversation.title), setEditing(true))} aria-label={`Rename ${conversation.title}`}>
            ✎
          </button>
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete ${conversation.title}`}>
            ✕
          </button>
        </span>
      )}
      {confirming && (
        <span className="confirm" role="group" aria-label="Confirm delete">
          Delete?{" "}
          <button type="button" onClick={() => onDelete(conversation.id).catch((f) => setProblem(f.message))}>
            Yes, delete
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            No
          </button>
        </span>
      )}
      {problem && <span className="problem" role="alert">{problem}</span>}
    </li>
  );
}

function Group({ label, list, status, selectedId, onLoadMore, ...handlers }) {
  const sentinel = useRef(null);
  useEffect(() => {
    if (!sentinel.current || list.done || typeof IntersectionObserver === "undefined") return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !list.loading) onLoadMore(status);
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [list.done, list.loading, onLoadMore, status]);

  return (
    <section aria-label={label}>
      <h2>{label}</h2>
      <ul className="conversations">
        {list.items.map((c) => (
          <ConversationItem key={c.id} conversation={c} selected={c.id === selectedId} {...handlers} />
        ))}
        {!list.loading && list.items.length === 0 && <li className="status">None</li>}
      </ul>
      {!list.done && (
        <div ref={sentinel}>
          <button type="button" className="more" onClick={() => onLoadMore(status)} disabled={list.loading}>
            {list.loading ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  );
}

export function Sidebar({ conversations, selectedId, open, onClose, onOpen, onNew, user, onSignOut }) {
  const { lists, error, loadMore, rename, remove } = conversations;
  return (
    <nav className={`sidebar${open ? " open" : ""}`} aria-label="Conversations">
      <div className="sidebar-top">
        <button type="button" className="new" onClick={onNew}>
          + New chat
        </button>
        <button type="button" className="close" onClick={onClose} aria-label="Hide conversations">
          ×
        </button>
      </div>
      {error && <p className="error" role="alert">Could not load conversations: {error.message}</p>}
      <Group label="Active" list={lists.active} status="active" selectedId={selectedId} onLoadMore={loadMore} onOpen={onOpen} onRename={rename} onDelete={remove} />
      <Group label="Archived" list={lists.archived} status="archived" selectedId={selectedId} onLoadMore={loadMore} onOpen={onOpen} onRename={rename} onDelete={remove} />
      <div className="who">
        Signed in as <b>{user.sub}</b>{" "}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </nav>
  );
}
