import apiLimits from "./api_limits.json";

// Build-time configuration (Vite inlines import.meta.env.VITE_*).
// Without an OIDC authority the app uses the local stack's development sign-in.
const sameOriginSocket = () =>
  typeof window === "undefined" ? "" : `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws`;

export const config = {
  apiUrl: (import.meta.env.VITE_API_URL || "").replace(/\/$/, ""),
  // The WebSocket API of live replies (the stack's WebSocketUrl output); locally /ws.
  wsUrl: import.meta.env.VITE_WS_URL || sameOriginSocket(),
  oidcAuthority: import.meta.env.VITE_OIDC_AUTHORITY || "",
  oidcClientId: import.meta.env.VITE_OIDC_CLIENT_ID || "",
};

export const isLocalSignIn = () => !config.oidcAuthority;

// The API's limits, from its own schema (`make openapi` writes api_limits.json from
// openapi.json): the UI says so before the server has to refuse.
export const limits = { ...apiLimits };
