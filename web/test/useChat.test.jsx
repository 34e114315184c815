import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { browserDraftStore, useChat } from "../src/hooks/useChat.js";
import { ApiError } from "../src/services/chat_api.js";

const accepted = (conversationId, seq, text, turnId = `t${seq}`) => ({
  conversation_id: conversationId,
  title: "T",
  agent_type: "general",
  turn_id: turnId,
  user_message: { id: `u${seq}`, seq, role: "user", content: text, status: "ok" },
  status: "generating",
});
const started = (conversationId, turnId, text = "", seq = 1) => ({
  type: "turn.started", conversation_id: conversationId, turn_id: turnId, title: "T", agent_type: "general", user_message_seq: seq, text,
});
const delta = (conversationId, turnId, offset, text) => ({ type: "turn.delta", conversation_id: conversationId, turn_id: turnId, offset, text });
const completed = (conversationId, turnId, seq, content, status = "ok") => ({
  type: "turn.completed",
  conversation_id: conversationId,
  turn_id: turnId,
  reply: { id: `a${seq}`, seq, role: "assistant", content, status },
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

function fakeLive() {
  const listeners = new Set();
  return {
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (event) => act(() => listeners.forEach((l) => l(event))),
  };
}

function fakeApi(overrides = {}) {
  return {
    chat: vi.fn(async ({ message }) => accepted("c1", 1, message)),
    getConversation: vi.fn(async () => ({ id: "c1", title: "T", agent_type: "general", messages: [], live_turn: null })),
    stopTurn: vi.fn(async () => ({ status: "stopping" })),
    ...overrides,
  };
}

function render(api, live, props = {}) {
  return renderHook((p) => useChat({ api, live, ...p }), { initialProps: { conversationId: null, ...props } });
}

describe("useChat streaming", () => {
  it("sends the draft, shows the reply as it streams, then the stored reply", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const onStarted = vi.fn();
    const { result } = render(api, live, { onConversationStarted: onStarted });
    act(() => result.current.setDraft("hello"));
    await act(() => result.current.send({ agentType: "coder" }));
    expect(api.chat).toHaveBeenCalledWith(expect.objectContaining({ message: "hello", agentType: "coder", stream: true, conversationId: null }));
    expect(api.chat.mock.calls[0][0].idempotencyKey).toBeTruthy();
    expect(result.current.draft).toBe("");
    expect(onStarted).toHaveBeenCalledWith("c1");
    live.emit(started("c1", "t1"));
    live.emit(delta("c1", "t1", 0, "Hel"));
    live.emit(delta("c1", "t1", 3, "lo!"));
    live.emit(delta("c1", "t1", 3, "lo!")); // a repeat is dropped
    expect(result.current.live.text).toBe("Hello!");
    live.emit(completed("c1", "t1", 2, "Hello!"));
    expect(result.current.live).toBeNull();
    expect(result.current.messages.map((m) => m.content)).toEqual(["hello", "Hello!"]);
  });

  it("never clears what the user typed while a reply is pending", async () => {
    let answer;
    const api = fakeApi({ chat: vi.fn(() => new Promise((resolve) => (answer = resolve))) });
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("first"));
    let sending;
    act(() => {
      sending = result.current.send();
    });
    expect(result.current.draft).toBe(""); // cleared when sent
    act(() => result.current.setDraft("typed while waiting"));
    await act(async () => {
      answer(accepted("c1", 1, "first"));
      await sending;
    });
    live.emit(started("c1", "t1"));
    act(() => result.current.setDraft("typed while streaming"));
    live.emit(completed("c1", "t1", 2, "reply"));
    expect(result.current.draft).toBe("typed while streaming");
  });

  it("keeps events that arrive before the 202 and a reply that finished before it", async () => {
    let answer;
    const api = fakeApi({ chat: vi.fn(() => new Promise((resolve) => (answer = resolve))) });
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("quick"));
    let sending;
    act(() => {
      sending = result.current.send();
    });
    live.emit(started("c9", "t9"));
    live.emit(delta("c9", "t9", 0, "done"));
    live.emit(completed("c9", "t9", 2, "done"));
    await act(async () => {
      answer(accepted("c9", 1, "quick", "t9"));
      await sending;
    });
    expect(result.current.live).toBeNull();
    expect(result.current.messages.map((m) => m.content)).toEqual(["quick", "done"]);
  });

  it("in an open conversation, a reply done before its 202 is not left spinning", async () => {
    let answer;
    const api = fakeApi({
      chat: vi.fn(() => new Promise((resolve) => (answer = resolve))),
      getConversation: vi.fn(async () => ({ id: "c1", title: "T", agent_type: "general", messages: [], live_turn: null })),
    });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c1" });
    await waitFor(() => expect(result.current.conversation?.id).toBe("c1"));
    act(() => result.current.setDraft("fast"));
    let sending;
    act(() => {
      sending = result.current.send();
    });
    live.emit(started("c1", "t5", "", 1));
    live.emit(completed("c1", "t5", 2, "done already"));
    await act(async () => {
      answer(accepted("c1", 1, "fast", "t5"));
      await sending;
    });
    expect(result.current.live).toBeNull();
    expect(result.current.messages.map((m) => m.content)).toEqual(["fast", "done already"]);
  });

  it("a read that raced the end of a reply does not bring the turn back or drop the reply", async () => {
    let read;
    const api = fakeApi({ getConversation: vi.fn(() => new Promise((resolve) => (read = resolve))) });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c2" });
    live.emit(completed("c2", "t6", 2, "the reply"));
    await act(async () => {
      read({
        id: "c2", title: "T", agent_type: "general",
        messages: [{ id: "u1", seq: 1, role: "user", content: "q", status: "ok" }],
        live_turn: { turn_id: "t6", user_message_seq: 1 },
      });
    });
    expect(result.current.live).toBeNull();
    expect(result.current.messages.map((m) => m.content)).toEqual(["q", "the reply"]);
  });

  it("does not put another conversation's reply on screen", async () => {
    const api = fakeApi({
      getConversation: vi.fn(async (id) => ({ id, title: id, agent_type: "general", messages: [], live_turn: null })),
    });
    const live = fakeLive();
    const { result, rerender } = render(api, live, { conversationId: "a" });
    await waitFor(() => expect(result.current.conversation?.id).toBe("a"));
    live.emit(started("b", "tb"));
    live.emit(delta("b", "tb", 0, "for b"));
    expect(result.current.live).toBeNull();
    live.emit(completed("b", "tb", 2, "for b"));
    expect(result.current.messages).toEqual([]);
    rerender({ conversationId: "b" });
    await waitFor(() => expect(result.current.conversation?.id).toBe("b"));
    expect(api.getConversation).toHaveBeenLastCalledWith("b", 100);
  });

  it("rejoins a live reply after a reload: the stored live turn, then the text so far", async () => {
    const api = fakeApi({
      getConversation: vi.fn(async () => ({
        id: "c3", title: "T", agent_type: "general",
        messages: [{ id: "u1", seq: 1, role: "user", content: "q", status: "ok" }],
        live_turn: { turn_id: "t3", user_message_seq: 1 },
      })),
    });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c3" });
    await waitFor(() => expect(result.current.live?.turnId).toBe("t3"));
    expect(result.current.busy).toBe(true);
    live.emit(started("c3", "t3", "so far"));
    live.emit(delta("c3", "t3", 6, " and more"));
    expect(result.current.live.text).toBe("so far and more");
  });

  it("stops the live reply", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("long"));
    await act(() => result.current.send());
    live.emit(started("c1", "t1"));
    await act(() => result.current.stop());
    expect(api.stopTurn).toHaveBeenCalledWith("c1");
    expect(result.current.stopping).toBe(true);
    live.emit(completed("c1", "t1", 2, "partial", "stopped"));
    expect(result.current.stopping).toBe(false);
    expect(result.current.messages.at(-1)).toMatchObject({ content: "partial", status: "stopped" });
  });
});

describe("useChat failures", () => {
  it("keeps the draft when the send fails (429 says when to retry)", async () => {
    const api = fakeApi({ chat: vi.fn(async () => { throw new ApiError(429, "rate_limited", "slow", { retryAfter: 30 }); }) });
    const { result } = render(api, fakeLive());
    act(() => result.current.setDraft("my long message"));
    await act(() => result.current.send());
    expect(result.current.draft).toBe("my long message");
    expect(result.current.messages).toEqual([]);
    expect(result.current.errorText).toMatch(/30 s/);
  });

  it("keeps both the refused message and a new draft", async () => {
    let fail;
    const api = fakeApi({ chat: vi.fn(() => new Promise((_, reject) => (fail = reject))) });
    const { result } = render(api, fakeLive());
    act(() => result.current.setDraft("first words"));
    let sending;
    act(() => {
      sending = result.current.send();
    });
    act(() => result.current.setDraft("second words"));
    await act(async () => {
      fail(new ApiError(429, "rate_limited", "slow", { retryAfter: 3 }));
      await sending;
    });
    expect(result.current.draft).toBe("second words");
    expect(result.current.messages).toEqual([expect.objectContaining({ content: "first words", unsent: true, status: "failed" })]);
  });

  it("shows a model failure as a failed message that can be retried", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("are you there?"));
    await act(() => result.current.send());
    live.emit({ type: "turn.failed", conversation_id: "c1", turn_id: "t1", user_message_seq: 1, error: { code: "agent_unavailable", message: "down", request_id: "r" } });
    expect(result.current.messages[0]).toMatchObject({ content: "are you there?", status: "failed" });
    expect(result.current.errorText).toMatch(/unavailable/);
    api.chat.mockImplementationOnce(async ({ message }) => accepted("c1", 1, message, "t2"));
    const firstKey = api.chat.mock.calls[0][0].idempotencyKey;
    await act(() => result.current.retry(result.current.messages[0]));
    // The same request again: the server answers the stored message, no second copy.
    expect(api.chat).toHaveBeenLastCalledWith(
      expect.objectContaining({ message: "are you there?", conversationId: null, idempotencyKey: firstKey }),
    );
    expect(result.current.messages.filter((m) => m.role === "user")).toHaveLength(1);
  });

  it("asks to sign in again when the token cannot be renewed", async () => {
    const signedOut = vi.fn();
    const api = fakeApi({ chat: vi.fn(async () => { throw new ApiError(401, "unauthorized", "expired"); }) });
    const { result } = render(api, fakeLive(), { onSignedOut: signedOut });
    act(() => result.current.setDraft("draft survives"));
    await act(() => result.current.send());
    expect(signedOut).toHaveBeenCalled();
    expect(result.current.draft).toBe("draft survives");
  });

  it("says when a conversation cannot be loaded instead of showing an empty one", async () => {
    const api = fakeApi({ getConversation: vi.fn(async () => { throw new ApiError(0, "network", "Failed to fetch"); }) });
    const { result } = render(api, fakeLive(), { conversationId: "c7" });
    await waitFor(() => expect(result.current.loadError).toBeTruthy());
    expect(result.current.loading).toBe(false);
  });

  it("ignores empty drafts", async () => {
    const api = fakeApi();
    const { result } = render(api, fakeLive());
    act(() => result.current.setDraft("   "));
    await act(() => result.current.send());
    expect(api.chat).not.toHaveBeenCalled();
  });

  it("keeps one draft per conversation, and across a reload", async () => {
    const api = fakeApi();
    const storage = new Map();
    const store = browserDraftStore("alice", {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => storage.set(k, v),
      removeItem: (k) => storage.delete(k),
    });
    const { result, rerender, unmount } = render(api, fakeLive(), { conversationId: "c1", draftStore: store });
    act(() => result.current.setDraft("for c1"));
    rerender({ conversationId: "c2", draftStore: store });
    expect(result.current.draft).toBe(""); // it did not follow me
    act(() => result.current.setDraft("for c2"));
    rerender({ conversationId: null, draftStore: store });
    act(() => result.current.setDraft("for a new one"));
    rerender({ conversationId: "c1", draftStore: store });
    expect(result.current.draft).toBe("for c1");
    unmount();
    const reloaded = render(api, fakeLive(), { conversationId: "c2", draftStore: store });
    expect(reloaded.result.current.draft).toBe("for c2");
    reloaded.rerender({ conversationId: null, draftStore: store });
    expect(reloaded.result.current.draft).toBe("for a new one");
    const other = browserDraftStore("bob", { getItem: (k) => storage.get(k) ?? null });
    expect(other.load()).toEqual({}); // another user's browser profile sees none of them
  });

  it("keeps what was typed while a new conversation's first message was on its way", async () => {
    let answer;
    const api = fakeApi({ chat: vi.fn(() => new Promise((resolve) => (answer = resolve))) });
    const { result } = render(api, fakeLive());
    act(() => result.current.setDraft("first"));
    let sent;
    act(() => {
      sent = result.current.send();
    });
    act(() => result.current.setDraft("typed before the conversation had an id"));
    await act(async () => {
      answer(accepted("c9", 1, "first"));
      await sent;
    });
    expect(result.current.conversation.id).toBe("c9");
    expect(result.current.draft).toBe("typed before the conversation had an id");
  });
});

describe("useChat regenerate and edit", () => {
  const stored = (messages) => async () => ({ id: "c1", title: "T", agent_type: "general", messages, live_turn: null });
  const exchange = [
    { id: "u1", seq: 1, role: "user", content: "hi", status: "ok", version: 1 },
    { id: "a2", seq: 2, role: "assistant", content: "old reply", status: "ok", version: 1 },
  ];

  it("regenerating hides the old reply while the new one streams, then shows the new version", async () => {
    const api = fakeApi({ getConversation: vi.fn(stored(exchange)), regenerate: vi.fn(async () => accepted("c1", 1, "hi", "t9")) });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c1" });
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    await act(() => result.current.regenerate());
    expect(api.regenerate).toHaveBeenCalledWith("c1");
    live.emit(started("c1", "t9", "new", 1));
    expect(result.current.messages.map((m) => m.content)).toEqual(["hi"]); // the old reply is being replaced
    live.emit({ ...completed("c1", "t9", 2, "new reply"), reply: { id: "a2b", seq: 2, role: "assistant", content: "new reply", status: "ok", version: 2 } });
    expect(result.current.messages.map((m) => [m.content, m.version ?? 1])).toEqual([["hi", 1], ["new reply", 2]]);
  });

  it("a failed regeneration brings the old reply back and does not fail the question", async () => {
    const api = fakeApi({ getConversation: vi.fn(stored(exchange)), regenerate: vi.fn(async () => accepted("c1", 1, "hi", "t9")) });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c1" });
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    await act(() => result.current.regenerate());
    live.emit({ type: "turn.failed", conversation_id: "c1", turn_id: "t9", user_message_seq: 1, error: { code: "agent_unavailable", message: "down" } });
    expect(result.current.messages.map((m) => [m.content, m.status])).toEqual([["hi", "ok"], ["old reply", "ok"]]);
    expect(result.current.errorText).toMatch(/unavailable/);
  });

  it("an edit replaces the message, drops its old reply, and keeps the edit's text until the server has it", async () => {
    let answer;
    const api = fakeApi({
      getConversation: vi.fn(stored(exchange)),
      editMessage: vi.fn(() => new Promise((resolve) => (answer = resolve))),
    });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c1" });
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    act(() => result.current.setEditDraft(1, "hi, edited"));
    let sending;
    act(() => {
      sending = result.current.editMessage(1, "hi, edited");
    });
    expect(result.current.editDraft(1)).toBe("hi, edited"); // not gone before the server has it
    await act(async () => {
      answer({ ...accepted("c1", 1, "hi, edited", "t5"), user_message: { ...accepted("c1", 1, "hi, edited").user_message, id: "u1b", version: 2 } });
      await sending;
    });
    expect(api.editMessage).toHaveBeenCalledWith("c1", 1, "hi, edited");
    expect(result.current.editDraft(1)).toBe("");
    expect(result.current.messages.map((m) => [m.content, m.version])).toEqual([["hi, edited", 2]]);
  });

  it("a refused edit keeps its text to send again", async () => {
    const api = fakeApi({
      getConversation: vi.fn(stored(exchange)),
      editMessage: vi.fn(async () => {
        throw new ApiError(429, "rate_limited", "slow down", { retryAfter: 3 });
      }),
    });
    const { result } = render(api, fakeLive(), { conversationId: "c1" });
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    act(() => result.current.setEditDraft(1, "keep me"));
    expect(await act(() => result.current.editMessage(1, "keep me"))).toBe(false);
    expect(result.current.editDraft(1)).toBe("keep me");
    expect(result.current.messages.map((m) => m.content)).toEqual(["hi", "old reply"]);
    expect(result.current.errorText).toMatch(/too fast/);
  });
});

describe("useChat: thinking, endings and Continue", () => {
  it("rebuilds the reasoning from its offsets and counts the thinking from the turn's start", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("think hard"));
    await act(() => result.current.send());
    const startedAt = new Date(Date.now() - 5000).toISOString(); // five seconds of thinking
    live.emit({ ...started("c1", "t1"), started_at: startedAt });
    live.emit({ type: "turn.reasoning", conversation_id: "c1", turn_id: "t1", offset: 0, text: "Let me " });
    live.emit({ type: "turn.reasoning", conversation_id: "c1", turn_id: "t1", offset: 0, text: "Let me " }); // a repeat
    live.emit({ type: "turn.reasoning", conversation_id: "c1", turn_id: "t1", offset: 7, text: "think." });
    expect(result.current.live).toMatchObject({ reasoning: "Let me think.", text: "", startedAt: Date.parse(startedAt) });
    live.emit(delta("c1", "t1", 0, "Answer."));
    expect(result.current.live.text).toBe("Answer.");
  });

  it("shows each tool call as it runs, its result when it comes, and a replay once", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("6*7?"));
    await act(() => result.current.send());
    const ids = { conversation_id: "c1", turn_id: "t1" };
    const call = { type: "turn.tool_call", ...ids, call_id: "a", step: 1, name: "calculator", arguments: '{"expression": "6*7"}' };
    live.emit(started("c1", "t1"));
    live.emit(call);
    expect(result.current.live.tools).toEqual([{ id: "a", name: "calculator", arguments: call.arguments, step: 1 }]);
    live.emit({ type: "turn.tool_result", ...ids, call_id: "a", output: '{"result": 42}', error: false, duration_ms: 3 });
    live.emit(started("c1", "t1")); // a reconnect: the turn so far again, then its calls again
    live.emit(call);
    expect(result.current.live.tools).toEqual([
      { id: "a", name: "calculator", arguments: call.arguments, step: 1, output: '{"result": 42}', error: false, duration_ms: 3 },
    ]);
    live.emit(delta("c1", "t1", 0, "It is 42."));
    expect(result.current.live).toMatchObject({ text: "It is 42.", tools: [expect.objectContaining({ output: '{"result": 42}' })] });
  });

  it("names a tool source the live reply goes without, once however often it is replayed", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("my notes?"));
    await act(() => result.current.send());
    const gone = { type: "turn.tool_source_unavailable", conversation_id: "c1", turn_id: "t1", source: "notes", reason: "it cannot be reached" };
    live.emit(started("c1", "t1"));
    live.emit(gone);
    live.emit(gone);
    expect(result.current.live.unavailable).toEqual([{ source: "notes", reason: "it cannot be reached" }]);
    live.emit(delta("c1", "t1", 0, "The notes service is down."));
    expect(result.current.live).toMatchObject({ text: "The notes service is down.", unavailable: [{ source: "notes" }] });
  });

  it("counts offsets in characters, so text after an emoji is neither dropped nor cut", async () => {
    const api = fakeApi();
    const live = fakeLive();
    const { result } = render(api, live);
    act(() => result.current.setDraft("smile"));
    await act(() => result.current.send());
    live.emit(started("c1", "t1"));
    live.emit(delta("c1", "t1", 0, "A \u{1F600}")); // three characters, four UTF-16 units
    live.emit(delta("c1", "t1", 3, " smile"));
    live.emit(delta("c1", "t1", 3, " smile")); // a repeat
    expect(result.current.live.text).toBe("A \u{1F600} smile");
    live.emit(delta("c1", "t1", 2, "\u{1F600} smile and more")); // overlapping the end
    expect(result.current.live.text).toBe("A \u{1F600} smile and more");
  });

  it("keeps a message the model refused as failed and says retrying will not help", async () => {
    const api = fakeApi({
      chat: vi.fn(async () => {
        throw new ApiError(502, "agent_misconfigured", "misconfigured", { conversationId: "c1" });
      }),
    });
    const { result } = render(api, fakeLive());
    act(() => result.current.setDraft("hello"));
    await act(() => result.current.send());
    expect(result.current.messages[0]).toMatchObject({ content: "hello", status: "failed" });
    expect(result.current.draft).toBe("");
    expect(result.current.errorText).toMatch(/misconfigured.*will not help/);
  });

  it("continues a cut reply: the old text stays on screen and the new text follows it", async () => {
    const cut = { id: "a2", seq: 2, role: "assistant", content: "The start", status: "incomplete", finish_reason: "length" };
    const api = fakeApi({
      getConversation: vi.fn(async () => ({
        id: "c1", title: "T", agent_type: "general", live_turn: null,
        messages: [{ id: "u1", seq: 1, role: "user", content: "q", status: "ok" }, cut],
      })),
      continueReply: vi.fn(async () => accepted("c1", 1, "q", "t9")),
    });
    const live = fakeLive();
    const { result } = render(api, live, { conversationId: "c1" });
    await waitFor(() => expect(result.current.messages).toHaveLength(2));
    await act(() => result.current.continueReply(cut));
    expect(api.continueReply).toHaveBeenCalledWith("c1");
    expect(result.current.live.text).toBe("The start"); // before turn.started comes
    expect(result.current.messages).toHaveLength(1); // the cut version steps aside
    live.emit(started("c1", "t9", "The start"));
    live.emit(delta("c1", "t9", 9, " and the end."));
    expect(result.current.live.text).toBe("The start and the end.");
    live.emit(completed("c1", "t9", 2, "The start and the end."));
    expect(result.current.messages.at(-1)).toMatchObject({ content: "The start and the end.", status: "ok" });
  });
});
