// Title search for the sidebar (docs/api.md "Search"): typed text waits a moment before
// it is sent, and only the latest query's answer is shown. The query is kept for the
// tab (sessionStorage), so a reload finds the search where it was.
import { useCallback, useEffect, useRef, useState } from "react";

const DEBOUNCE_MS = 250;
const STORAGE_KEY = "chat.search";
const EMPTY = { items: [], cursor: null, loading: false, error: null };

export function useSearch(api, storage = globalThis.sessionStorage) {
  const [query, setQueryState] = useState(() => storage?.getItem(STORAGE_KEY) || "");
  const [results, setResults] = useState(EMPTY);
  const ticket = useRef(0);
  const wanted = query.trim();

  const setQuery = useCallback(
    (text) => {
      setQueryState(text);
      if (text) storage?.setItem(STORAGE_KEY, text);
      else storage?.removeItem(STORAGE_KEY);
    },
    [storage],
  );

  useEffect(() => {
    const mine = ++ticket.current;
    if (!wanted) {
      setResults(EMPTY);
      return undefined;
    }
    setResults((r) => ({ ...r, loading: true, error: null }));
    const timer = setTimeout(() => {
      api.searchConversations({ q: wanted }).then(
        (page) => mine === ticket.current && setResults({ ...EMPTY, items: page.items, cursor: page.next_cursor }),
        (error) => mine === ticket.current && setResults({ ...EMPTY, error }),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [api, wanted]);

  const more = useCallback(() => {
    if (!results.cursor || results.loading) return;
    const mine = ticket.current;
    setResults((r) => ({ ...r, loading: true }));
    api.searchConversations({ q: wanted, cursor: results.cursor }).then(
      (page) =>
        mine === ticket.current &&
        setResults((r) => ({ ...r, items: [...r.items, ...page.items], cursor: page.next_cursor, loading: false })),
      (error) => mine === ticket.current && setResults((r) => ({ ...r, loading: false, error })),
    );
  }, [api, wanted, results.cursor, results.loading]);

  return { query, setQuery, active: Boolean(wanted), ...results, more };
}
