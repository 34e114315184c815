import { useState } from "react";
import { isLocalSignIn } from "../config.js";

export function SignIn({ onSignIn, problem }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onSignIn(name);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <h1>Chat</h1>
      {isLocalSignIn() ? (
        <form onSubmit={submit}>
          <p>Local development sign-in: pick any user name.</p>
          <label htmlFor="user-name">User name</label>
          <input id="user-name" value={name} onChange={(e) => setName(e.target.value)} autoFocus required maxLength={64} />
          <button type="submit" disabled={busy || !name.trim()}>
            Sign in
          </button>
        </form>
      ) : (
        <button type="button" onClick={() => onSignIn()}>
          Sign in
        </button>
      )}
      {problem && <p className="error" role="alert">{problem}</p>}
    </main>
  );
}
