// Every call to the chat API (docs/api.md), with the user's JWT attached.
// Failures become ApiError with the contract's code and Retry-After; a 401 renews the
// token once and resends; a 409 conversation_busy or request_in_progress waits
// Retry-After and resends (the same Idempotency-Key, so a turn never runs twice).

/** The user's IANA time zone, when the browser knows it: a tool that tells the time
 * answers in it. */
function timeZone() {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && zone.length <= 64 ? { time_zone: zone } : {};
  } catch {
    return {};
  }
}

export class ApiError extends Error {
  constructor(status, code, message, { retryAfter = null, conversationId = null, cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.conversationId = conversationId;
  }
}

const BUSY_RETRIES = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function toError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  if (response.status === 401) {
    return new ApiError(401, "unauthorized", "Your session expired. Please sign in again.");
  }
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code || "http_" + response.status,
    error?.message || `The server answered ${response.status}.`,
    { retryAfter, conversationId: body?.conversation_id || error?.conversation_id || null },
  );
}

/**
 * createChatApi({ baseUrl, getToken, renewToken, fetchImpl, sleepImpl })
 * getToken(): current token; renewToken(): a new token or null (then 401 is thrown).
 */
export function createChatApi({ baseUrl = "", getToken, renewToken, fetchImpl, sleepImpl = sleep }) {
  const doFetch = fetchImpl || ((...args) => fetch(...args));

  async function request(method, path, { body, headers = {}, keepalive = false } = {}) {
    let renewed = false;
    let busyRetries = 0;
    for (;;) {
      let response;
      try {
        response = await doFetch(`${baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${getToken()}`,
            ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
            ...headers,
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          ...(keepalive ? { keepalive: true } : {}), // outlives the page (a delete on leaving)
        });
      } catch (failure) {
        // No answer at all (offline, DNS, a dropped connection): status 0, said plainly.
        throw new ApiError(0, "network", "Cannot reach the server.", { cause: failure });
      }
      if (response.status === 401 && !renewed && renewToken) {
        renewed = true;
        if (await renewToken()) continue;
      }
      if (response.status === 409 && busyRetries < BUSY_RETRIES) {
        const error = await toError(response);
        // Busy conversation, or the same Idempotency-Key still running: wait and resend.
        if (error.code === "conversation_busy" || error.code === "request_in_progress") {
          busyRetries += 1;
          await sleepImpl((error.retryAfter || 1) * 1000);
          continue;
        }
        throw error;
      }
      if (!response.ok) throw await toError(response);
      if (response.status === 204) return null;
      return response.json();
    }
  }

  const query = (params) => {
    const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
    return entries.length ? "?" + new URLSearchParams(entries).toString() : "";
  };
  const id = (value) => encodeURIComponent(value);

  return {
    chat: ({ message, conversationId, agentType, idempotencyKey, stream = false }) =>
      request("POST", "/v1/chat", {
        body: {
          message,
          ...(stream ? { stream: true } : {}),
          ...(conversationId ? { conversation_id: conversationId } : {}),
          ...(agentType && !conversationId ? { agent_type: agentType } : {}),
          ...timeZone(),
        },
        headers: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {},
      }),
    agents: () => request("GET", "/v1/agents"),
    listConversations: ({ status = "active", cursor, limit = 20 } = {}) =>
      request("GET", "/v1/conversations" + query({ status, cursor, limit })),
    getConversation: (conversationId, messages = 100) =>
      request("GET", `/v1/conversations/${id(conversationId)}` + query({ messages })),
    renameConversation: (conversationId, title) =>
      request("PATCH", `/v1/conversations/${id(conversationId)}`, { body: { title } }),
    setConversationStatus: (conversationId, status) =>
      request("PATCH", `/v1/conversations/${id(conversationId)}`, { body: { status } }),
    deleteConversation: (conversationId, { keepalive = false } = {}) =>
      request("DELETE", `/v1/conversations/${id(conversationId)}`, { keepalive }),
    stopTurn: (conversationId) => request("POST", `/v1/conversations/${id(conversationId)}/stop`),
    stats: () => request("GET", "/v1/stats"),
    // Tokens today against the daily budget (docs/api.md, GET /v1/usage).
    usage: () => request("GET", "/v1/usage"),
    searchConversations: ({ q, cursor, limit = 20 }) =>
      request("GET", "/v1/search/conversations" + query({ q, cursor, limit })),
    // feedback: { rating: "up" | "down", comment? } sets it; null takes it back.
    rateReply: (conversationId, seq, feedback) =>
      feedback
        ? request("PUT", `/v1/conversations/${id(conversationId)}/messages/${seq}/feedback`, { body: feedback })
        : request("DELETE", `/v1/conversations/${id(conversationId)}/messages/${seq}/feedback`),
    // Regenerate the last reply / edit and resend the last user message (docs/api.md
    // "Regenerate and edit"): turns, answered like chat's (202 when streamed).
    regenerate: (conversationId) =>
      request("POST", `/v1/conversations/${id(conversationId)}/regenerate`, { body: { stream: true } }),
    // The model goes on from the last reply, cut short (docs/api.md "Continue").
    continueReply: (conversationId) =>
      request("POST", `/v1/conversations/${id(conversationId)}/continue`, { body: { stream: true } }),
    // The user's decision on each tool call the last reply waits for (docs/api.md
    // "Approvals"): decisions [{ call_id, approve, reason? }]; the turn goes on, streamed.
    decideApproval: (conversationId, decisions) =>
      request("POST", `/v1/conversations/${id(conversationId)}/approval`, { body: { decisions, stream: true } }),
    editMessage: (conversationId, seq, message) =>
      request("PUT", `/v1/conversations/${id(conversationId)}/messages/${seq}`, { body: { message, stream: true } }),
    messageVersion: (conversationId, seq, version) =>
      request("GET", `/v1/conversations/${id(conversationId)}/messages/${seq}/versions/${version}`),
    exportPart: (conversationId, format, cursor) =>
      request("GET", `/v1/conversations/${id(conversationId)}/export` + query({ format, cursor })),
  };
}
