import { ConfigError } from './errors.js';

/**
 * Hiding secrets in connection URLs for logs and errors (ARCHITECTURE invariant 8), by taking the URL
 * apart with string positions rather than a pattern: a password may hold any character (`/`, `@`, `:`,
 * `?`, `#`, `%` are common in generated secrets) and the URL may be malformed (`postgres:/user:pw@host`),
 * and neither may let a password through.
 */

/** The parts of `scheme:[//]userinfo@host[:port][/path][?query]` that masking and validation need. */
export interface UrlParts {
  /** `postgres:` or `` when there is none. */
  readonly scheme: string;
  /** The slashes after the scheme, as written (`//`, `/` in a typo, or none). */
  readonly slashes: string;
  /** Everything before the last `@` after the scheme, or undefined without an `@`. */
  readonly userinfo?: string;
  /** From after the userinfo to the end. */
  readonly rest: string;
}

/**
 * Splits a URL leniently. The userinfo ends at the LAST `@`: an unencoded `@` in a password then stays
 * inside it; a stray `@` later in the URL (rare in a connection URL) only makes more of it hidden.
 */
export function splitUrl(url: string): UrlParts {
  const schemeEnd = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0].length ?? 0;
  let i = schemeEnd;
  while (url[i] === '/') i++;
  const scheme = url.slice(0, schemeEnd);
  const slashes = url.slice(schemeEnd, i);
  const at = url.lastIndexOf('@');
  if (at < i) return { scheme, slashes, rest: url.slice(i) };
  // Without slashes, `user:password@host` would read as scheme `user:`: the userinfo then starts at the
  // beginning, so the password is hidden whatever the "scheme" was.
  if (slashes === '') return { scheme: '', slashes: '', userinfo: url.slice(0, at), rest: url.slice(at + 1) };
  return { scheme, slashes, userinfo: url.slice(i, at), rest: url.slice(at + 1) };
}

/** Query parameters whose value is a secret, by a part of their name. */
const SECRET_PARAMETER = /password|secret|token|key|signature|sig$/i;

/**
 * The URL with the password of its userinfo and the values of secret-looking query parameters replaced by
 * `***`. Whatever `url` holds, the result never contains the characters after the first `:` of the
 * userinfo. Text that is not a URL at all passes through unchanged.
 */
export function maskUrl(url: string): string {
  const { scheme, slashes, userinfo, rest } = splitUrl(url);
  const colon = userinfo?.indexOf(':') ?? -1;
  // A userinfo without a password may really be the path and query up to an `@` in a query value.
  if (userinfo === undefined || colon < 0) return scheme + slashes + maskQuery(userinfo === undefined ? rest : `${userinfo}@${rest}`);
  return `${scheme}${slashes}${userinfo.slice(0, colon)}:***@${maskQuery(rest)}`;
}

/**
 * The URL with its user and password percent-encoded, so a driver's WHATWG URL parser reads a password
 * holding `/`, `@`, `?`, `#` or `:` as written (it would otherwise refuse the URL as "Invalid URL" or take
 * part of the password for the host). Already-encoded parts stay as they are.
 */
export function encodeUserinfo(url: string): string {
  const { scheme, slashes, userinfo, rest } = splitUrl(url);
  if (userinfo === undefined || slashes.length < 2) return url;
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const password = colon < 0 ? undefined : userinfo.slice(colon + 1);
  return `${scheme}${slashes}${encodePart(user)}${password === undefined ? '' : `:${encodePart(password)}`}@${rest}`;
}

function encodePart(part: string): string {
  let decoded = part;
  try {
    decoded = decodeURIComponent(part);
  } catch {
    // A `%` that starts no escape: the part is raw text.
  }
  return encodeURIComponent(decoded);
}

function maskQuery(rest: string): string {
  const q = rest.indexOf('?');
  if (q < 0) return rest;
  const hash = rest.indexOf('#', q);
  const query = rest.slice(q + 1, hash < 0 ? undefined : hash);
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq >= 0 && SECRET_PARAMETER.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=***` : pair;
  });
  return `${rest.slice(0, q)}?${params.join('&')}${hash < 0 ? '' : rest.slice(hash)}`;
}

/**
 * What is wrong with a PostgreSQL URL's shape, or undefined: a missing `//`, a missing host, a port that is
 * not 1-65535. Never quotes the URL; the caller names the key and may show `maskUrl(url)`.
 */
export function postgresUrlProblem(url: string): string | undefined {
  const { scheme, slashes, rest } = splitUrl(url);
  if (slashes === '' && /^postgres(ql)?:/i.test(url)) return 'expected "//" after "postgres:", found none';
  if (!/^postgres(ql)?:$/i.test(scheme)) return 'expected a URL starting with postgres:// or postgresql://';
  if (slashes.length < 2) return `expected "//" after "${scheme}", found ${slashes.length} slash(es)`;
  const authorityEnd = rest.search(/[/?#]/);
  const hostPort = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const portMatch = /:([^:\]]*)$/.exec(hostPort);
  const host = portMatch ? hostPort.slice(0, portMatch.index) : hostPort;
  if (host === '' && !/[?&]host=/.test(rest)) return 'expected a host after "//" (and after "user:password@")';
  if (portMatch) {
    const port = portMatch[1]!;
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
      return `expected a port from 1 to 65535 after the host, got "${port.length > 8 ? `${port.slice(0, 8)}…` : port}"`;
    }
  }
  return undefined;
}

/**
 * Refuses a PostgreSQL URL of the wrong shape (`postgres:/…`, no host, port 99999) as a ConfigError naming
 * database.url, before a driver turns it into an "Invalid URL" that names nothing (and may quote it whole).
 */
export function checkDatabaseUrl(url: string): void {
  if (!/^postgres(ql)?:/i.test(url)) return;
  const problem = postgresUrlProblem(url);
  if (problem !== undefined) throw new ConfigError('database.url', `${problem} (got "${maskUrl(url)}")`);
}
