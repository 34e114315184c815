// The sidebar's search box and, while it holds a query, the matching conversations
// (titles, active and archived) in place of the usual lists.
import { plural } from "./time.js";

export function SearchBox({ search }) {
  return (
    <div className="search">
      <input
        type="search"
        aria-label="Search conversations"
        placeholder="Search titles"
        value={search.query}
        maxLength={200}
        onChange={(e) => search.setQuery(e.target.value)}
        onKeyDown={(e) => e.key === "Escape" && search.setQuery("")}
      />
    </div>
  );
}

export function SearchResults({ search, selectedId, onOpen }) {
  return (
    <section aria-label="Search results">
      <h2>Results</h2>
      {search.error && (
        <p className="error" role="alert">
          The search failed: {search.error.message}
        </p>
      )}
      <ul className="conversations">
        {search.items.map((c) => (
          <li key={c.id} className={`conversation${c.id === selectedId ? " selected" : ""}`} data-id={c.id}>
            <button type="button" className="open" onClick={() => onOpen(c.id)} aria-current={c.id === selectedId ? "page" : undefined}>
              <span className="title">{c.title}</span>
              <span className="meta">
                {plural(c.message_count, "message")} · {c.status === "archived" ? "archived" : c.agent_type}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {search.loading && <p className="status">Searching…</p>}
      {!search.loading && !search.error && search.items.length === 0 && (
        <p className="status" role="status">
          No conversation title has “{search.query.trim()}”.
        </p>
      )}
      {!search.loading && search.cursor && (
        <button type="button" className="more" onClick={search.more}>
          More results
        </button>
      )}
    </section>
  );
}
