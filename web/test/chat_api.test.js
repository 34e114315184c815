import { describe, expect, it, vi } from "vitest";
import { ApiError, createChatApi } from "../src/services/chat_api.js";

const json = (status, body, headers = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

function setup(responses, { renew = async () => ({ token: "fresh" }) } = {}) {
  let token = "stale";
  const calls = [];
  const fetchImpl = vi.fn(async (url, init) => {
    calls.push({ url, init });
    const next = responses.shift();
    return typeof next === "function" ? next() : next;
  });
  const sleepImpl = vi.fn(async () => {});
  const api = createChatApi({
    baseUrl: "http://api",
    getToken: () => token,
    renewToken: async () => {
      const renewed = await renew();
      if (renewed) token = renewed.token;
      return renewed;
    },
    fetchImpl,
    sleepImpl,
  });
  return { api, calls, fetchImpl, sleepImpl };
}

describe("chat_api", () => {
  it("rates a reply with PUT and takes the rating back with DELETE", async () => {
    const { api, calls } = setup([json(200, { seq: 2, feedback: { rating: "down" } }), json(200, { seq: 2, feedback: null })]);
    await api.rateReply("c/1", 2, { rating: "down", comment: "wrong" });
    await api.rateReply("c/1", 2, null);
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ["PUT", "http://api/v1/conversations/c%2F1/messages/2/feedback"],
      ["DELETE", "http://api/v1/conversations/c%2F1/messages/2/feedback"],
    ]);
    expect(JSON.parse(calls[0].init.body)).toEqual({ rating: "down", comment: "wrong" });
    expect(calls[1].init.body).toBeUndefined();
  });

  it("searches titles with the query, the page size and the cursor", async () => {
    const { api, calls } = setup([json(200, { items: [], next_cursor: null })]);
    await api.searchConversations({ q: "café & co", cursor: "abc" });
    expect(calls[0].url).toBe("http://api/v1/search/conversations?q=caf%C3%A9+%26+co&cursor=abc&limit=20");
  });

  it("attaches the token and sends the contract's chat body", async () => {
    const { api, calls } = setup([json(201, { conversation_id: "c1" })]);
    await api.chat({ message: "hi", agentType: "coder", idempotencyKey: "k1" });
    expect(calls[0].url).toBe("http://api/v1/chat");
    expect(calls[0].init.headers.Authorization).toBe("Bearer stale");
    expect(calls[0].init.headers["Idempotency-Key"]).toBe("k1");
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(JSON.parse(calls[0].init.body)).toEqual({ message: "hi", agent_type: "coder", time_zone: zone });
  });

  it("sends the user's decisions on the calls a reply waits for, streamed", async () => {
    const { api, calls } = setup([json(202, { turn_id: "t" })]);
    await api.decideApproval("c1", [{ call_id: "a", approve: false, reason: "no" }]);
    expect(calls[0].url).toBe("http://api/v1/conversations/c1/approval");
    expect(JSON.parse(calls[0].init.body)).toEqual({ decisions: [{ call_id: "a", approve: false, reason: "no" }], stream: true });
  });

  it("never sends agent_type for an existing conversation", async () => {
    const { api, calls } = setup([json(200, {})]);
    await api.chat({ message: "hi", conversationId: "c1", agentType: "coder" });
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(JSON.parse(calls[0].init.body)).toEqual({ message: "hi", conversation_id: "c1", time_zone: zone });
  });

  it("renews an expired token once and resends", async () => {
    const { api, calls } = setup([json(401, { message: "Unauthorized" }), json(200, { items: [] })]);
    await expect(api.agents()).resolves.toEqual({ items: [] });
    expect(calls.map((c) => c.init.headers.Authorization)).toEqual(["Bearer stale", "Bearer fresh"]);
  });

  it("gives up with a 401 when the token cannot be renewed", async () => {
    const { api, calls } = setup([json(401, { message: "Unauthorized" })], { renew: async () => null });
    await expect(api.agents()).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(1);
  });

  it("does not loop when the renewed token is refused too", async () => {
    const { api, calls } = setup([json(401, {}), json(401, {})]);
    await expect(api.agents()).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(2);
  });

  it("waits Retry-After and resends on 409 conversation_busy", async () => {
    const busy = () => json(409, { error: { code: "conversation_busy", message: "busy", request_id: "r" } }, { "Retry-After": "2" });
    const { api, sleepImpl } = setup([busy(), busy(), json(200, { ok: 1 })]);
    await expect(api.chat({ message: "x", conversationId: "c" })).resolves.toEqual({ ok: 1 });
    expect(sleepImpl).toHaveBeenCalledTimes(2);
    expect(sleepImpl).toHaveBeenCalledWith(2000);
  });

  it("waits and resends on 409 request_in_progress (the same key still running)", async () => {
    const running = () => json(409, { error: { code: "request_in_progress", message: "running", request_id: "r" } }, { "Retry-After": "1" });
    const { api, sleepImpl, fetchImpl } = setup([running(), json(202, { turn_id: "t" })]);
    await expect(api.chat({ message: "x", idempotencyKey: "k" })).resolves.toEqual({ turn_id: "t" });
    expect(sleepImpl).toHaveBeenCalledWith(1000);
    expect(fetchImpl.mock.calls.map((c) => c[1].headers["Idempotency-Key"])).toEqual(["k", "k"]);
  });

  it("stops retrying a busy conversation after a bound", async () => {
    const busy = () => json(409, { error: { code: "conversation_busy", message: "busy", request_id: "r" } }, { "Retry-After": "1" });
    const { api, fetchImpl } = setup([busy(), busy(), busy(), busy(), busy()]);
    await expect(api.chat({ message: "x", conversationId: "c" })).rejects.toMatchObject({ code: "conversation_busy" });
    expect(fetchImpl).toHaveBeenCalledTimes(4);
  });

  it("turns 429 and 503 into errors with Retry-After and the conversation id", async () => {
    const { api } = setup([
      json(429, { error: { code: "rate_limited", message: "slow down", request_id: "r" } }, { "Retry-After": "30" }),
      json(503, { error: { code: "agent_unavailable", message: "down", request_id: "r" }, conversation_id: "c9" }, { "Retry-After": "5" }),
    ]);
    const limited = await api.chat({ message: "x" }).catch((e) => e);
    expect(limited).toBeInstanceOf(ApiError);
    expect([limited.status, limited.code, limited.retryAfter]).toEqual([429, "rate_limited", 30]);
    const down = await api.chat({ message: "x" }).catch((e) => e);
    expect([down.status, down.code, down.retryAfter, down.conversationId]).toEqual([503, "agent_unavailable", 5, "c9"]);
  });

  it("builds list queries and returns null for 204", async () => {
    const { api, calls } = setup([json(200, { items: [], next_cursor: null }), new Response(null, { status: 204 })]);
    await api.listConversations({ status: "archived", cursor: "a/b", limit: 5 });
    expect(calls[0].url).toBe("http://api/v1/conversations?status=archived&cursor=a%2Fb&limit=5");
    await expect(api.deleteConversation("c 1")).resolves.toBeNull();
    expect(calls[1].url).toBe("http://api/v1/conversations/c%201");
  });

  it("turns no answer at all (offline) into a status 0 error, not a bare TypeError", async () => {
    const api = createChatApi({
      getToken: () => "t",
      fetchImpl: async () => {
        throw new TypeError("Failed to fetch");
      },
    });
    const failure = await api.agents().catch((e) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure.status).toBe(0);
    expect(failure.message).toBe("Cannot reach the server.");
  });
});
