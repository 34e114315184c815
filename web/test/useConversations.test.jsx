import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { UNDO_MS, useConversations } from "../src/hooks/useConversations.js";

const memoryStorage = () => {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v), removeItem: (k) => items.delete(k) };
};

const STATS = { conversations: { active: 2, archived: 1, by_agent_type: { general: 3 } }, messages: 7, tokens: { prompt: 1, completion: 1 } };
// Every refresh also reads the user's totals (GET /v1/stats).
const withStats = (api) => ({ stats: vi.fn(async () => STATS), ...api });

const conversation = (id) => ({ id, title: id, agent_type: "general", status: "active", message_count: 2 });

describe("useConversations", () => {
  it("pages with the cursor, without repeats, and keeps active and archived apart", async () => {
    const pages = {
      "active:": { items: [conversation("a1"), conversation("a2")], next_cursor: "c1" },
      "active:c1": { items: [conversation("a2"), conversation("a3")], next_cursor: null },
      "archived:": { items: [conversation("z1")], next_cursor: null },
    };
    const api = withStats({
      listConversations: vi.fn(async ({ status, cursor }) => pages[`${status}:${cursor || ""}`]),
      renameConversation: vi.fn(async (id, title) => ({ ...conversation(id), title })),
      deleteConversation: vi.fn(async () => null),
    });
    const { result } = renderHook(() => useConversations(api, memoryStorage()));
    await waitFor(() => expect(result.current.lists.active.items).toHaveLength(2));
    expect(result.current.lists.active.done).toBe(false);
    await act(() => result.current.loadMore("active"));
    expect(result.current.lists.active.items.map((c) => c.id)).toEqual(["a1", "a2", "a3"]);
    expect(result.current.lists.active.done).toBe(true);
    expect(api.listConversations).toHaveBeenCalledWith({ status: "active", cursor: "c1", limit: 20 });
    expect(result.current.lists.archived.items.map((c) => c.id)).toEqual(["z1"]);
    await waitFor(() => expect(result.current.stats).toEqual(STATS)); // the sidebar's totals

    await act(() => result.current.rename("a3", "Renamed"));
    expect(result.current.lists.active.items.find((c) => c.id === "a3").title).toBe("Renamed");
    await act(() => result.current.remove("a1"));
    expect(result.current.lists.active.items.map((c) => c.id)).toEqual(["a2", "a3"]);
  });

  it("shows a failed page load as an error and keeps what it had", async () => {
    let online = true;
    const page = { items: [{ id: "c1", title: "Kept" }], next_cursor: "more" };
    const api = withStats({
      listConversations: vi.fn(async () => {
        if (online) return page;
        throw new Error("offline");
      }),
    });
    const { result } = renderHook(() => useConversations(api, memoryStorage()));
    await waitFor(() => expect(result.current.lists.active.items).toHaveLength(1));
    online = false;
    await act(() => result.current.loadMore("active"));
    expect(result.current.error?.message).toBe("offline");
    expect(result.current.lists.active.items.map((c) => c.title)).toEqual(["Kept"]);
  });

  it("deletes only after the Undo window, and Undo keeps the conversation", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const api = withStats({
        listConversations: vi.fn(async ({ status }) =>
          status === "active" ? { items: [conversation("a1"), conversation("a2")], next_cursor: null } : { items: [], next_cursor: null },
        ),
        deleteConversation: vi.fn(async () => null),
      });
      const storage = memoryStorage();
      const { result } = renderHook(() => useConversations(api, storage));
      await waitFor(() => expect(result.current.lists.active.items).toHaveLength(2));
      await act(() => result.current.remove("a1"));
      expect(result.current.lists.active.items.map((c) => c.id)).toEqual(["a2"]); // hidden at once
      expect(result.current.undoable).toEqual({ id: "a1", title: "a1" });
      expect(storage.getItem("chat.pendingDeletes")).toBe('["a1"]'); // a reload still deletes it
      await act(() => result.current.undoDelete("a1"));
      await act(() => vi.advanceTimersByTimeAsync(UNDO_MS + 100));
      expect(api.deleteConversation).not.toHaveBeenCalled();
      await waitFor(() => expect(result.current.lists.active.items).toHaveLength(2));
      await act(() => result.current.remove("a2"));
      await act(() => vi.advanceTimersByTimeAsync(UNDO_MS + 100));
      expect(api.deleteConversation).toHaveBeenCalledWith("a2", undefined);
      expect(result.current.undoable).toBe(null);
      expect(storage.getItem("chat.pendingDeletes")).toBe(null);
    } finally {
      vi.useRealTimers();
    }
  });
});
