import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, modelPath, prefetch, tokenStore, whenUnauthorized } from './api.js';
import { Login } from './pages/Login.js';
import { Overview } from './pages/Overview.js';
import { Models } from './pages/Models.js';
import { ModelPage } from './pages/ModelPage.js';
import { Runs } from './pages/Runs.js';
import { DeadLetters } from './pages/DeadLetters.js';
import type { Session } from './types.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

/** Hash routes (`#/models`, `#/model/<project>/<model>`): the page is one file, so any path of it reloads. */
const parse = (): string[] =>
  location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);

function useRoute(): string[] {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = () => setRoute(parse());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

const pages = [
  ['', 'Overview'],
  ['models', 'Models'],
  ['runs', 'Runs and backfills'],
  ['dead-letters', 'Dead letters'],
] as const;

function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [checking, setChecking] = useState(true);
  const [message, setMessage] = useState<string | undefined>(undefined);

  useEffect(() => {
    whenUnauthorized((error) => {
      tokenStore.clear();
      setSession(undefined);
      setMessage(`Signed out: the API refused the token (${error.detail}).`);
    });
    // A stored token (this tab, earlier) or none: with no tokens configured the API answers as local admin.
    api<Session>('/session', { token: tokenStore.get() })
      .then(setSession)
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          if (tokenStore.get() !== null) setMessage(`The API refused the stored token (${err.detail}). Sign in again.`);
          tokenStore.clear();
        } else setMessage(err instanceof Error ? err.message : String(err));
      })
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="muted pad">Connecting to the latigo API…</p>;
  if (session === undefined) return <Login message={message} onSession={(s) => (setMessage(undefined), setSession(s))} />;

  const [page = '', ...rest] = route;
  const signOut = () => {
    tokenStore.clear();
    setSession(undefined);
    setMessage(session.tokensRequired ? 'Signed out.' : undefined);
  };
  return (
    <>
      <header class="top">
        <strong class="brand">latigo</strong>
        <nav>
          {pages.map(([path, label]) => (
            <a href={`#/${path}`} class={page === path || (path === 'models' && page === 'model') ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who" data-role={session.role}>
          {session.name} · {session.role}
          {session.tokensRequired ? (
            <button class="link" onClick={signOut}>
              sign out
            </button>
          ) : null}
        </span>
      </header>
      <main>
        {page === '' && <Overview />}
        {page === 'models' && <Models />}
        {page === 'model' && rest.length >= 2 && <ModelPage project={rest[0]!} model={rest[1]!} range={rest[2]} session={session} />}
        {page === 'runs' && <Runs session={session} />}
        {page === 'dead-letters' && <DeadLetters session={session} />}
      </main>
    </>
  );
}

// A model page opened directly (a link, a reload) asks for the model while the session is checked.
const [first, project, model] = parse();
if (first === 'model' && project !== undefined && model !== undefined && tokenStore.get() !== null) prefetch(modelPath(project, model));

render(<App />, document.getElementById('app')!);
