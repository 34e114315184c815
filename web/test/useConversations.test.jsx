import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { useConversations } from "../src/hooks/useConversations.js";

const conversation = (id) => ({ id, title: id, agent_type: "general", status: "active", message_count: 2 });

describe("useConversations", () => {
  it("pages with the cursor, without repeats, and keeps active and archived apart", async () => {
    const pages = {
      "active:": { items: [conversation("a1"), conversation("a2")], next_cursor: "c1" },
      "active:c1": { items: [conversation("a2"), conversation("a3")], next_cursor: null },
      "archived:": { items: [conversation("z1")], next_cursor: null },
    };
    const api = {
      listConversations: vi.fn(async ({ status, cursor }) => pages[`${status}:${cursor || ""}`]),
      renameConversation: vi.fn(async (id, title) => ({ ...conversation(id), title })),
      deleteConversation: vi.fn(async () => null),
    };
    const { result } = renderHook(() => useConversations(api));
    await waitFor(() => expect(result.current.lists.active.items).toHaveLength(2));
    expect(result.current.lists.active.done).toBe(false);
    await act(() => result.current.loadMore("active"));
    expect(result.current.lists.active.items.map((c) => c.id)).toEqual(["a1", "a2", "a3"]);
    expect(result.current.lists.active.done).toBe(true);
    expect(api.listConversations).toHaveBeenCalledWith({ status: "active", cursor: "c1", limit: 20 });
    expect(result.current.lists.archived.items.map((c) => c.id)).toEqual(["z1"]);

    await act(() => result.current.rename("a3", "Renamed"));
    expect(result.current.lists.active.items.find((c) => c.id === "a3").title).toBe("Renamed");
    await act(() => result.current.remove("a1"));
    expect(result.current.lists.active.items.map((c) => c.id)).toEqual(["a2", "a3"]);
  });

  it("shows a failed page load as an error and keeps what it had", async () => {
    let online = true;
    const page = { items: [{ id: "c1", title: "Kept" }], next_cursor: "more" };
    const api = {
      listConversations: vi.fn(async () => {
        if (online) return page;
        throw new Error("offline");
      }),
    };
    const { result } = renderHook(() => useConversations(api));
    await waitFor(() => expect(result.current.lists.active.items).toHaveLength(1));
    online = false;
    await act(() => result.current.loadMore("active"));
    expect(result.current.error?.message).toBe("offline");
    expect(result.current.lists.active.items.map((c) => c.title)).toEqual(["Kept"]);
  });
});
