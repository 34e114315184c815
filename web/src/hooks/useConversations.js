// The sidebar's conversations: active and archived lists, each paged by cursor.
import { useCallback, useEffect, useRef, useState } from "react";

const empty = () => ({ items: [], cursor: null, done: false, loading: false });

export function useConversations(api) {
  const [lists, setLists] = useState({ active: empty(), archived: empty() });
  const [error, setError] = useState(null);
  // Said once when the cap archived a conversation behind the user's back.
  const [notice, setNotice] = useState(null);
  const archivedByUser = useRef(new Set());
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
          const ids = new Set(known.map((c) => c.id));
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
  }, [load]);

  useEffect(() => {
    refresh();
  }, [refresh]);
  useEffect(() => {
    window.addEventListener("online", refresh); // back online: what we show may be stale
    return () => window.removeEventListener("online", refresh);
  }, [refresh]);

  const rename = useCallback(
    async (id, title) => {
      const updated = await api.renameConversation(id, title);
      setLists((state) => ({
        active: { ...state.active, items: state.active.items.map((c) => (c.id === id ? updated : c)) },
        archived: { ...state.archived, items: state.archived.items.map((c) => (c.id === id ? updated : c)) },
      }));
      return updated;
    },
    [api],
  );

  const remove = useCallback(
    async (id) => {
      await api.deleteConversation(id);
      setLists((state) => ({
        active: { ...state.active, items: state.active.items.filter((c) => c.id !== id) },
        archived: { ...state.archived, items: state.archived.items.filter((c) => c.id !== id) },
      }));
    },
    [api],
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
    error,
    loadMore: load,
    refresh,
    rename,
    remove,
    setStatus,
    notice,
    dismissNotice: useCallback(() => setNotice(null), []),
  };
}
