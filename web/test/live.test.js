import { describe, expect, it, vi } from "vitest";
import { createLiveConnection } from "../src/services/live.js";

class FakeSocket {
  static made = [];
  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.made.push(this);
  }
  send(data) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
}

describe("createLiveConnection", () => {
  it("offers the token as a subprotocol, passes turn events on and comes back after a drop", () => {
    vi.useFakeTimers();
    FakeSocket.made = [];
    const events = [];
    const statuses = [];
    let token = "tok1";
    const connection = createLiveConnection({
      url: "ws://x/ws",
      getToken: () => token,
      onEvent: (e) => events.push(e),
      onStatus: (s) => statuses.push(s),
      WebSocketImpl: FakeSocket,
      timers: globalThis,
    });
    const first = FakeSocket.made[0];
    expect(first.protocols).toEqual(["chat.v1", "bearer.tok1"]);
    first.open();
    first.onmessage({ data: JSON.stringify({ type: "turn.delta", turn_id: "t", offset: 0, text: "a" }) });
    first.onmessage({ data: JSON.stringify({ type: "pong" }) });
    first.onmessage({ data: "not json" });
    first.onmessage({ data: JSON.stringify({ type: "conversation.titled", conversation_id: "c", title: "T" }) });
    expect(events.map((e) => e.type)).toEqual(["turn.delta", "conversation.titled"]);
    token = "tok2";
    first.close();
    vi.advanceTimersByTime(600);
    expect(FakeSocket.made[1].protocols).toEqual(["chat.v1", "bearer.tok2"]);
    expect(statuses).toEqual(["connecting", "open", "closed", "connecting"]);
    connection.close();
    vi.advanceTimersByTime(20000);
    expect(FakeSocket.made).toHaveLength(2);
    vi.useRealTimers();
  });

  it("stops for good when the server replaces this connection with a newer one", () => {
    vi.useFakeTimers();
    FakeSocket.made = [];
    const statuses = [];
    createLiveConnection({
      url: "ws://x/ws",
      getToken: () => "tok",
      onEvent: () => {},
      onStatus: (s) => statuses.push(s),
      WebSocketImpl: FakeSocket,
      timers: globalThis,
    });
    const socket = FakeSocket.made[0];
    socket.open();
    socket.onmessage({ data: JSON.stringify({ type: "connection.replaced" }) });
    socket.close(); // the server closes it next
    vi.advanceTimersByTime(20000);
    expect(statuses).toEqual(["connecting", "open", "replaced"]);
    expect(FakeSocket.made).toHaveLength(1); // no reconnect that would close another tab
    vi.useRealTimers();
  });
});
