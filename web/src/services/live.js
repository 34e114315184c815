// The live-reply connection: one WebSocket per signed-in tab, carrying the events of
// every turn of the user (docs/api.md, "Streamed turns"). The token goes in the
// subprotocol list ("chat.v1", "bearer.<JWT>"), never in the URL. The connection
// comes back by itself after a drop (with backoff); the server then sends each live
// turn's text so far, so a reply rejoins where it is. A user keeps at most 10
// connections: the oldest is told "connection.replaced" and closed, and does not come
// back by itself (it would close another in turn).

export const SUBPROTOCOL = "chat.v1";
const PING_EVERY_MS = 4 * 60 * 1000; // API Gateway closes idle sockets after 10 minutes
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

/**
 * createLiveConnection({ url, getToken, onEvent, onStatus, WebSocketImpl, timers })
 * onEvent(event): every turn event; onStatus("connecting" | "open" | "closed" | "replaced").
 */
export function createLiveConnection({
  url,
  getToken,
  onEvent,
  onStatus = () => {},
  WebSocketImpl = globalThis.WebSocket,
  timers = globalThis,
}) {
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let retryTimer = null;
  let pingTimer = null;

  const connect = () => {
    if (stopped || !WebSocketImpl) return;
    onStatus("connecting");
    const token = getToken();
    try {
      socket = new WebSocketImpl(url, [SUBPROTOCOL, `bearer.${token}`]);
    } catch {
      scheduleRetry();
      return;
    }
    socket.onopen = () => {
      attempt = 0;
      onStatus("open");
      pingTimer = timers.setInterval(() => socket?.readyState === 1 && socket.send('{"action":"ping"}'), PING_EVERY_MS);
    };
    socket.onmessage = (message) => {
      let event = null;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event?.type === "connection.replaced") {
        stopped = true;
        onStatus("replaced");
        return;
      }
      const known = event && typeof event.type === "string" && /^(turn|conversation)\./.test(event.type);
      if (known) onEvent(event);
    };
    socket.onclose = () => {
      timers.clearInterval(pingTimer);
      socket = null;
      if (stopped) return;
      onStatus("closed");
      scheduleRetry();
    };
  };

  const scheduleRetry = () => {
    if (stopped) return;
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    retryTimer = timers.setTimeout(connect, delay);
  };

  connect();
  return {
    close() {
      stopped = true;
      timers.clearTimeout(retryTimer);
      timers.clearInterval(pingTimer);
      socket?.close();
    },
    // After a token renewal or when the network comes back: reconnect now.
    reconnect() {
      timers.clearTimeout(retryTimer);
      attempt = 0;
      if (socket) socket.close();
      else connect();
    },
  };
}
