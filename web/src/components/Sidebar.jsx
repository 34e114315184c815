// The user's conversations: active and archived, newest activity first, paged as you scroll.
import { useEffect, useRef, useState } from "react";
import { limits } from "../config.js";
import { GROUPS, groupOf, plural } from "./time.js";
import { SearchBox, SearchResults } from "./SearchResults.jsx";

function ConversationItem({ conversation, selected, onOpen, onRename, onDelete, onSetStatus }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(conversation.title);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState(null);
  // Where focus goes back to after a rename or a cancelled delete (never the page body).
  const renameButton = useRef(null);
  const deleteButton = useRef(null);
  const returnFocus = useRef(null);
  useEffect(() => {
    if (!editing && !confirming && returnFocus.current) {
      returnFocus.current.current?.focus();
      returnFocus.current = null;
    }
  }, [editing, confirming]);
  const stopEditing = () => {
    returnFocus.current = renameButton;
    setEditing(false);
  };
  const stopConfirming = () => {
    returnFocus.current = deleteButton;
    setConfirming(false);
  };

  const save = async (event) => {
    event.preventDefault();
    const next = title.trim();
    if (!next || next === conversation.title) return stopEditing();
    try {
      await onRename(conversation.id, next);
      stopEditing();
      setProblem(null);
    } catch (failure) {
      setProblem(failure.message);
    }
  };
  const archived = conversation.status === "archived";
  const toggleArchive = () =>
    onSetStatus(conversation.id, archived ? "active" : "archived").catch((f) => setProblem(f.message));

  return (
    <li className={`conversation${selected ? " selected" : ""}`} data-id={conversation.id}>
      {editing ? (
        <form onSubmit={save} className="rename">
          <input
            aria-label="New title"
            value={title}
            maxLength={limits.titleChars}
            autoFocus
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && stopEditing()}
          />
          <button type="submit">Save</button>
        </form>
      ) : (
        <button type="button" className="open" onClick={() => onOpen(conversation.id)} aria-current={selected ? "page" : undefined}>
          <span className="title">{conversation.title}</span>
          <span className="meta">
            {plural(conversation.message_count, "message")} · {conversation.agent_type}
          </span>
          {conversation.awaiting_approval_until && Date.parse(conversation.awaiting_approval_until) > Date.now() && (
            <span className="waiting">Waiting for your approval</span>
          )}
        </button>
      )}
      {!editing && !confirming && (
        <span className="actions">
          <button type="button" ref={renameButton} onClick={() => (setTitle(conversation.title), setEditing(true))} aria-label={`Rename ${conversation.title}`}>
            ✎
          </button>
          <button type="button" onClick={toggleArchive} aria-label={`${archived ? "Unarchive" : "Archive"} ${conversation.title}`}>
            {archived ? "↥" : "↧"}
          </button>
          <button type="button" ref={deleteButton} onClick={() => setConfirming(true)} aria-label={`Delete ${conversation.title}`}>
            ✕
          </button>
        </span>
      )}
      {confirming && (
        <span className="confirm" role="group" aria-label="Confirm delete" onKeyDown={(e) => e.key === "Escape" && stopConfirming()}>
          Delete?{" "}
          {/* Focus starts on the harmless answer. */}
          <button
            type="button"
            onClick={() =>
              onDelete(conversation.id).then(
                () => document.querySelector(".sidebar .new")?.focus(), // the item is gone
                (f) => setProblem(f.message),
              )
            }
          >
            Yes, delete
          </button>
          <button type="button" onClick={stopConfirming} autoFocus>
            No
          </button>
        </span>
      )}
      {problem && <span className="problem" role="alert">{problem}</span>}
    </li>
  );
}

/** [["Today", [...]], ["Yesterday", [...]], ...]: the list is already newest first. */
function byRecency(items) {
  const groups = new Map(GROUPS.map((g) => [g, []]));
  for (const c of items) groups.get(groupOf(c.last_message_at || c.updated_at || c.created_at)).push(c);
  return [...groups].filter(([, list]) => list.length);
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
      {byRecency(list.items).map(([when, items]) => (
        <div key={when} className="when">
          <h3>{when}</h3>
          <ul className="conversations">
            {items.map((c) => (
              <ConversationItem key={c.id} conversation={c} selected={c.id === selectedId} {...handlers} />
            ))}
          </ul>
        </div>
      ))}
      {!list.loading && list.items.length === 0 && <p className="status">None</p>}
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

export function Sidebar({ conversations, search, selectedId, open, inert, drawerRef, onClose, onOpen, onNew, user, onSignOut }) {
  const { lists, stats, usage, error, loadMore, rename, remove, setStatus } = conversations;
  return (
    <nav className={`sidebar${open ? " open" : ""}`} aria-label="Conversations" inert={inert} ref={drawerRef}>
      <div className="sidebar-top">
        <button type="button" className="new" onClick={onNew}>
          + New chat
        </button>
        <button type="button" className="close" onClick={onClose} aria-label="Hide conversations">
          ×
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error.status === 0 && !navigator.onLine
            ? "You're offline: the list will refresh when you're back."
            : "Could not load your conversations."}
        </p>
      )}
      <SearchBox search={search} />
      {search.active ? (
        <SearchResults search={search} selectedId={selectedId} onOpen={onOpen} />
      ) : (
        <>
          <Group label="Active" list={lists.active} status="active" selectedId={selectedId} onLoadMore={loadMore} onOpen={onOpen} onRename={rename} onDelete={remove} onSetStatus={setStatus} />
          <Group label="Archived" list={lists.archived} status="archived" selectedId={selectedId} onLoadMore={loadMore} onOpen={onOpen} onRename={rename} onDelete={remove} onSetStatus={setStatus} />
        </>
      )}
      {stats && (
        <p className="totals" aria-label="Your totals">
          {plural(stats.conversations.active, "active conversation")} · {stats.conversations.archived} archived ·{" "}
          {plural(stats.messages, "message")}
        </p>
      )}
      <TodaysTokens usage={usage} />
      <div className="who">
        Signed in as <b>{user.sub}</b>{" "}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </nav>
  );
}

/** Today's tokens against the daily budget: a warning from 80 %, and at 100 % when the
 * count starts again (so a refusal is never a surprise). */
export function TodaysTokens({ usage }) {
  if (!usage) return null;
  const { tokens, budget, resets_at: resetsAt } = usage.today;
  const share = budget > 0 ? tokens / budget : 1;
  const resets = new Date(resetsAt).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  const level = share >= 1 ? "spent" : share >= 0.8 ? "warning" : "ok";
  return (
    <p className={`usage ${level}`} aria-label="Your tokens today" role={level === "ok" ? undefined : "status"}>
      Today: {tokens.toLocaleString()} of {budget.toLocaleString()} tokens ({Math.min(100, Math.floor(share * 100))} %)
      {level === "warning" && <> · over 80 % used; the count starts again {resets}</>}
      {level === "spent" && <> · today&apos;s tokens are used up; you can chat again {resets}</>}
    </p>
  );
}
