// The sidebar's conversations: active and archived lists, each paged by cursor.
import { useCallback, useEffect, useRef, useState } from "react";

const empty = () => ({ items: [], cursor: null, done: false, loading: false });
// A delete takes effect after this long, so that Undo is possible (the API's delete is
// final for the user); leaving or reloading the page sends it at once.
export const UNDO_MS = 6000;
const PENDING_KEY = "chat.pendingDeletes";

function pendingIds(storage) {
  try {
    const ids = JSON.parse(storage?.getItem(PENDING_KEY) || "[]");
    return Array.isArray(ids) ? ids : [];
  } catch {
    return [];
  }
}

function savePending(storage, ids) {
  try {
    if (ids.length) storage?.setItem(PENDING_KEY, JSON.stringify(ids));
    else storage?.removeItem(PENDING_KEY);
  } catch {
    // Storage unavailable: the timers still send the deletes.
  }
}

export function useConversations(api, storage = globalThis.sessionStorage) {
  const [lists, setLists] = useState({ active: empty(), archived: empty() });
  const [error, setError] = useState(null);
  // Said once when the cap archived a conversation behind the user's back.
  const [notice, setNotice] = useState(null);
  const archivedByUser = useRef(new Set());
  // Deletes waiting for their Undo window: id -> the timer that sends them.
  const pending = useRef(new Map());
  // Deletes a previous page left pending (it was reloaded inside the Undo window): they
  // are sent on mount, and never shown meanwhile.
  const leftover = useRef(null);
  if (leftover.current === null) leftover.current = new Set(pendingIds(storage));
  const [undoable, setUndoable] = useState(null);
  // The user's totals (GET /v1/stats), shown under the lists; a failed read keeps the last.
  const [stats, setStats] = useState(null);
  // Today's tokens against the daily budget (GET /v1/usage), read with the totals.
  const [usage, setUsage] = useState(null);
  const latest = useRef(lists);
  latest.current = lists;

  const load = useCallback(
    async (status, { reset = false } = {}) => {
      const cursor = reset ? null : latest.current[status].cursor;
      setLists((state) => ({ ...state, [status]: { ...state[status], loading: true } }));
      try {
        const page = await api.listConversations({ status, cursor, limit: 20 });
        setLists((state) => {
          const known = reset ? [] : state[status].items;
          const ids = new Set([...known.map((c) => c.id), ...pending.current.keys(), ...leftover.current]);
          return {
            ...state,
            [status]: {
              items: [...known, ...page.items.filter((c) => !ids.has(c.id))],
              cursor: page.next_cursor,
              done: !page.next_cursor,
              loading: false,
            },
          };
        });
        setError(null);
        return page.items;
      } catch (failure) {
        setError(failure);
        setLists((state) => ({ ...state, [status]: { ...state[status], loading: false } }));
        return null;
      }
    },
    [api],
  );

  const refresh = useCallback(async () => {
    api.stats().then(setStats, () => {});
    api.usage?.().then(setUsage, () => {});
    const wasActive = new Set(latest.current.active.items.map((c) => c.id));
    const [, archived] = await Promise.all([load("active", { reset: true }), load("archived", { reset: true })]);
    const moved = (archived || []).filter((c) => wasActive.has(c.id) && !archivedByUser.current.has(c.id));
    if (moved.length) {
      const names = moved.map((c) => `"${c.title}"`).join(", ");
      setNotice(
        `${names} ${moved.length === 1 ? "was" : "were"} archived: only a few conversations of each agent stay active. ` +
          "Find it under Archived; Unarchive brings it back.",
      );
    }
  }, [api, load]);

  useEffect(() => {
    refresh();
  }, [refresh]);
  useEffect(() => {
    window.addEventListener("online", refresh); // back online: what we show may be stale
    return () => window.removeEventListener("online", refresh);
  }, [refresh]);

  // The same change to both lists' items (a conversation is in one of them).
  const editItems = (edit) =>
    setLists((state) => ({
      active: { ...state.active, items: edit(state.active.items) },
      archived: { ...state.archived, items: edit(state.archived.items) },
    }));

  const rename = useCallback(
    async (id, title) => {
      const updated = await api.renameConversation(id, title);
      editItems((items) => items.map((c) => (c.id === id ? updated : c)));
      return updated;
    },
    [api],
  );

  const forget = useCallback(
    (id) => {
      pending.current.delete(id);
      savePending(storage, [...pending.current.keys()]);
      setUndoable((shown) => (shown?.id === id ? null : shown));
    },
    [storage],
  );

  const sendDelete = useCallback(
    (id, options) =>
      api.deleteConversation(id, options).catch((failure) => {
        if (failure.status !== 404) throw failure; // already gone is what we wanted
      }),
    [api],
  );

  // Deletes the last page left inside their Undo window are done now.
  useEffect(() => {
    savePending(storage, []);
    leftover.current.forEach((id) => sendDelete(id).catch(() => {}));
  }, [storage, sendDelete]);
  useEffect(() => {
    const flush = () => {
      for (const [id, timer] of pending.current) {
        clearTimeout(timer);
        sendDelete(id, { keepalive: true }).catch(() => {});
      }
    };
    window.addEventListener("pagehide", flush);
    return () => window.removeEventListener("pagehide", flush);
  }, [sendDelete]);

  const remove = useCallback(
    async (id) => {
      const conversation =
        latest.current.active.items.find((c) => c.id === id) || latest.current.archived.items.find((c) => c.id === id);
      editItems((items) => items.filter((c) => c.id !== id));
      const timer = setTimeout(() => {
        sendDelete(id).then(
          () => forget(id),
          (failure) => {
            forget(id);
            setError(failure);
            refresh(); // it was not deleted: show it again
          },
        );
      }, UNDO_MS);
      pending.current.set(id, timer);
      savePending(storage, [...pending.current.keys()]);
      setUndoable({ id, title: conversation?.title || "Conversation" });
    },
    [sendDelete, storage, refresh, forget],
  );

  const undoDelete = useCallback(
    (id) => {
      if (!pending.current.has(id)) return;
      clearTimeout(pending.current.get(id));
      forget(id);
      refresh();
    },
    [forget, refresh],
  );

  const setStatus = useCallback(
    async (id, status) => {
      if (status === "archived") archivedByUser.current.add(id);
      else archivedByUser.current.delete(id);
      await api.setConversationStatus(id, status);
      await refresh();
    },
    [api, refresh],
  );

  return {
    lists,
    stats,
    usage,
    error,
    loadMore: load,
    refresh,
    rename,
    remove,
    undoable,
    undoDelete,
    setStatus,
    notice,
    dismissNotice: useCallback(() => setNotice(null), []),
  };
}
