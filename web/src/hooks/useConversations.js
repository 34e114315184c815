// The sidebar's conversations: active and archived lists, each paged by cursor.
import { useCallback, useEffect, useRef, useState } from "react";

const empty = () => ({ items: [], cursor: null, done: false, loading: false });

export function useConversations(api) {
  const [lists, setLists] = useState({ active: empty(), archived: empty() });
  const [error, setError] = useState(null);
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
      } catch (failure) {
        setError(failure);
        setLists((state) => ({ ...state, [status]: { ...state[status], loading: false } }));
      }
    },
    [api],
  );

  const refresh = useCallback(() => {
    load("active", { reset: true });
    load("archived", { reset: true });
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

  return { lists, error, loadMore: load, refresh, rename, remove };
}
