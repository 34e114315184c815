// Who the user is and how to get (and renew) their access token.
// Locally: a user name exchanged for a token at the stack's dev IdP (/local/token).
// In the cloud: OIDC authorization code + PKCE against the issuer the API trusts.
import { config, isLocalSignIn } from "../config.js";

const STORAGE_KEY = "chat.session";

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

function writeSession(session) {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
}

let userManager = null;
async function oidc() {
  if (!userManager) {
    const { UserManager, WebStorageStateStore } = await import("oidc-client-ts");
    userManager = new UserManager({
      authority: config.oidcAuthority,
      client_id: config.oidcClientId,
      redirect_uri: `${window.location.origin}/`,
      post_logout_redirect_uri: `${window.location.origin}/`,
      response_type: "code",
      scope: "openid email profile",
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    });
  }
  return userManager;
}

async function localToken(sub) {
  const response = await fetch(`${config.apiUrl}/local/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub }),
  });
  if (!response.ok) throw new Error("Could not sign in to the local stack.");
  const body = await response.json();
  return { sub, token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
}

export const auth = {
  /** The signed-in user ({sub, token}) or null; completes an OIDC redirect if one is pending. */
  async restore() {
    if (isLocalSignIn()) return readSession();
    const manager = await oidc();
    if (window.location.search.includes("code=") && window.location.search.includes("state=")) {
      const user = await manager.signinRedirectCallback();
      window.history.replaceState({}, "", window.location.pathname);
      return user ? { sub: user.profile.sub, token: user.access_token } : null;
    }
    const user = await manager.getUser();
    return user && !user.expired ? { sub: user.profile.sub, token: user.access_token } : null;
  },

  /** Local: sign in as `name`. Cloud: redirect to the identity provider. */
  async signIn(name) {
    if (!isLocalSignIn()) {
      await (await oidc()).signinRedirect({ state: window.location.search });
      return null;
    }
    const session = await localToken(name.trim());
    writeSession(session);
    return session;
  },

  /** A fresh token after a 401 (expired), or null when the user must sign in again. */
  async renew() {
    if (isLocalSignIn()) {
      const session = readSession();
      if (!session) return null;
      const renewed = await localToken(session.sub);
      writeSession(renewed);
      return renewed;
    }
    try {
      const user = await (await oidc()).signinSilent();
      return user ? { sub: user.profile.sub, token: user.access_token } : null;
    } catch {
      return null;
    }
  },

  async signOut() {
    writeSession(null);
    if (!isLocalSignIn()) await (await oidc()).signoutRedirect();
  },

  current: readSession,
};
