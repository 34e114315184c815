// Build-time configuration (Vite inlines import.meta.env.VITE_*).
// Without an OIDC authority the app uses the local stack's development sign-in.
export const config = {
  apiUrl: (import.meta.env.VITE_API_URL || "").replace(/\/$/, ""),
  oidcAuthority: import.meta.env.VITE_OIDC_AUTHORITY || "",
  oidcClientId: import.meta.env.VITE_OIDC_CLIENT_ID || "",
};

export const isLocalSignIn = () => !config.oidcAuthority;
