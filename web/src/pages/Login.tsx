import { useState } from 'preact/hooks';
import { api, ApiError, tokenStore } from '../api.js';
import type { Session } from '../types.js';

/** Asks for an API token, checks it against `/session`, and keeps it in session storage only when accepted. */
export function Login(props: { message: string | undefined; onSession: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(props.message);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const presented = token.trim();
    if (presented === '') {
      setError('Enter an API token (one of api.tokens, e.g. $LATIGO_API_TOKEN).');
      return;
    }
    setBusy(true);
    try {
      const session = await api<Session>('/session', { token: presented });
      tokenStore.set(presented);
      props.onSession(session);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setError(`This token was refused by the latigo API: ${err.detail}. Check it and try again.`);
      } else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="login" onSubmit={(e) => void submit(e)}>
      <h1>latigo</h1>
      <p class="muted">Sign in with an API token. It is kept in this tab's session storage only.</p>
      <label>
        API token
        <input
          type="password"
          name="token"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          autofocus
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
