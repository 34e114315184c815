import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { useChat } from "../src/hooks/useChat.js";
import { ApiError } from "../src/services/chat_api.js";

const turn = (conversationId, seq, text) => ({
  conversation_id: conversationId,
  title: "T",
  agent_type: "general",
  user_message: { id: `u${seq}`, seq, role: "user", content: text, status: "ok" },
  reply: { id: `a${seq + 1}`, seq: seq + 1, role: "assistant", content: `re: ${text}`, status: "ok" },
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

function fakeApi(overrides = {}) {
  return {
    chat: vi.fn(async ({ message }) => turn("c1", 1, message)),
    getConversation: vi.fn(async () => ({ id: "c1", title: "T", agent_type: "general", messages: [] })),
    ...overrides,
  };
}

function render(api, props = {}) {
  return renderHook((p) => useChat({ api, ...p }), { initialProps: { conversationId: null, ...props } });
}

describe("useChat", () => {
  it("sends the draft, shows both messages and starts the conversation", async () => {
    const api = fakeApi();
    const started = vi.fn();
    const { result } = render(api, { onConversationStarted: started });
    act(() => result.current.setDraft("hello"));
    await act(() => result.current.send({ agentType: "coder" }));
    expect(api.chat).toHaveBeenCalledWith(expect.objectContaining({ message: "hello", agentType: "coder", conversationId: null }));
    expect(api.chat.mock.calls[0][0].idempotencyKey).toBeTruthy();
    expect(result.current.messages.map((m) => m.content)).toEqual(["hello", "re: hello"]);
    expect(result.current.draft).toBe("");
    expect(started).toHaveBeenCalledWith("c1");
  });

  it("keeps the draft when the send fails (429 says when to retry)", async () => {
    const api = fakeApi({ chat: vi.fn(async () => { throw new ApiError(429, "rate_limited", "slow", { retryAfter: 30 }); }) });
    const { result } = render(api);
    act(() => result.current.setDraft("my long message"));
    await act(() => result.current.send());
    expect(result.current.draft).toBe("my long message");
    expect(result.current.messages).toEqual([]);
    expect(result.current.errorText).toMatch(/30 s/);
  });

  it("shows a 503 as a failed message that can be retried", async () => {
    let fail = true;
    const api = fakeApi({
      chat: vi.fn(async ({ message }) => {
        if (fail) throw new ApiError(503, "agent_unavailable", "down", { retryAfter: 5, conversationId: "c1" });
        return turn("c1", 2, message);
      }),
    });
    const started = vi.fn();
    const { result } = render(api, { onConversationStarted: started });
    act(() => result.current.setDraft("are you there?"));
    await act(() => result.current.send());
    const failed = result.current.messages[0];
    expect(failed).toMatchObject({ content: "are you there?", status: "failed" });
    expect(started).toHaveBeenCalledWith("c1");
    fail = false;
    await act(() => result.current.retry(failed));
    expect(api.chat).toHaveBeenLastCalledWith(expect.objectContaining({ message: "are you there?", conversationId: "c1" }));
    expect(result.current.messages.map((m) => [m.content, m.status, !!m.retried])).toEqual([
      ["are you there?", "failed", true],
      ["are you there?", "ok", false],
      ["re: are you there?", "ok", false],
    ]);
  });

  it("asks to sign in again when the token cannot be renewed", async () => {
    const signedOut = vi.fn();
    const api = fakeApi({ chat: vi.fn(async () => { throw new ApiError(401, "unauthorized", "expired"); }) });
    const { result } = render(api, { onSignedOut: signedOut });
    act(() => result.current.setDraft("draft survives"));
    await act(() => result.current.send());
    expect(signedOut).toHaveBeenCalled();
    expect(result.current.draft).toBe("draft survives");
  });

  it("loads the history of an existing conversation", async () => {
    const api = fakeApi({
      getConversation: vi.fn(async () => ({ id: "c7", title: "Old", agent_type: "general", messages: [{ id: "m1", seq: 1, role: "user", content: "earlier" }] })),
    });
    const { result } = render(api, { conversationId: "c7" });
    await waitFor(() => expect(result.current.messages).toHaveLength(1));
    expect(result.current.conversation.title).toBe("Old");
  });

  it("ignores empty drafts", async () => {
    const api = fakeApi();
    const { result } = render(api);
    act(() => result.current.setDraft("   "));
    await act(() => result.current.send());
    expect(api.chat).not.toHaveBeenCalled();
  });
});

describe("useChat after a failed first message", () => {
  it("keeps the 503 error visible when the new conversation id arrives", async () => {
    const api = fakeApi({
      chat: vi.fn(async () => { throw new ApiError(503, "agent_unavailable", "down", { conversationId: "c5" }); }),
    });
    const { result, rerender } = render(api, { onConversationStarted: () => {} });
    act(() => result.current.setDraft("hi"));
    await act(() => result.current.send());
    rerender({ conversationId: "c5" });
    expect(result.current.errorText).toMatch(/unavailable/);
    expect(result.current.messages).toHaveLength(1);
    expect(api.getConversation).toHaveBeenCalledWith("c5", 0);  // the title, not the messages
    await waitFor(() => expect(result.current.conversation?.title).toBe("T"));
  });
});
