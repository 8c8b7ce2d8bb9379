/** The page's one way to the service API: same origin, `/api/v1`, the session's token as a Bearer header. */

const TOKEN_KEY = 'latigo.apiToken';

/** The token lives in session storage only: gone when the tab closes, never in a URL or a cookie. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** A problem document (RFC 9457) the API answered with, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(status === 0 ? detail : `${status}: ${detail}`);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (error: ApiError) => void = () => {};
/** Called when any request is answered 401 (the token expired from the configuration, or was never valid). */
export function whenUnauthorized(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Use this token instead of the stored one (login checks a token before keeping it). */
  token?: string | null;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token === undefined ? tokenStore.get() : options.token;
  if (token !== null && token !== '') headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, `cannot reach the latigo API (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text || response.statusText;
    let field: string | undefined;
    try {
      const problem = JSON.parse(text) as { detail?: string; field?: string };
      detail = problem.detail ?? detail;
      field = problem.field;
    } catch {
      // not a problem document (a proxy's page): keep the text
    }
    const error = new ApiError(response.status, detail, field);
    if (response.status === 401 && options.token === undefined) onUnauthorized(error);
    throw error;
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

const early = new Map<string, Promise<unknown>>();

/**
 * Starts a GET before the component that needs it mounts: the model page's description is asked for alongside the
 * session check at load, not after it. `api` with the same path (and no options) takes the answer once.
 */
export function prefetch(path: string): void {
  if (early.has(path)) return;
  const answer = api(path);
  answer.catch(() => {}); // reported to whoever takes it
  early.set(path, answer);
}

/** A prefetched answer, once, or a new request (also when the prefetch failed: the token may have changed since). */
export function apiOnce<T>(path: string): Promise<T> {
  const answer = early.get(path) as Promise<T> | undefined;
  early.delete(path);
  return answer === undefined ? api<T>(path) : answer.catch(() => api<T>(path));
}

/** `/models/{project}/{model}` with both parts escaped. */
export const modelPath = (project: string, model: string): string => `/models/${encodeURIComponent(project)}/${encodeURIComponent(model)}`;

export const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};
