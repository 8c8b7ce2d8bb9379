import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { AllowedHosts } from './allowedHosts.js';
import type { RenderedRequest } from './compileOutput.js';

export interface SendOptions {
  readonly timeoutMs: number;
  readonly allowed: AllowedHosts;
  readonly maxResponseChars: number;
  /** Signs the body: `X-Latigo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
  readonly secret?: string;
  readonly nowMs: number;
  readonly extraHeaders: Record<string, string>;
  readonly signal?: AbortSignal;
  /**
   * Keep-alive agents whose connections are reused between deliveries (each connection's address was
   * checked when it was opened); without, every request opens its own connection.
   */
  readonly agents?: { readonly http: http.Agent; readonly https: https.Agent };
}

export type SendResult =
  | { readonly kind: 'response'; readonly status: number; readonly retryAfter?: string; readonly body: string; readonly latencyMs: number }
  /** No response: connection refused, reset, timed out, DNS. Worth another attempt. */
  | { readonly kind: 'network'; readonly error: string; readonly latencyMs: number }
  /** Refused before or instead of sending (disallowed host or redirect): never worth another attempt. */
  | { readonly kind: 'refused'; readonly error: string; readonly latencyMs: number };

const MAX_REDIRECTS = 3;

/** The signature header's value for `body` at `timestampSeconds`; receivers compute the same and compare. */
export function signature(secret: string, timestampSeconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/**
 * Sends one rendered request with node:http(s), checking every address it connects to against the allowed
 * hosts (so a name that resolves into the plant network is refused at connect time, not only at save).
 * Redirects: 307/308 to an allowed host are followed (method and body kept), any other is not.
 */
export async function sendRequest(request: RenderedRequest, options: SendOptions): Promise<SendResult> {
  const t0 = performance.now();
  const headers: Record<string, string> = { 'User-Agent': 'latigo-outputs/1', ...request.headers, ...options.extraHeaders };
  if (options.secret !== undefined)
    headers['X-Latigo-Signature'] = signature(options.secret, Math.floor(options.nowMs / 1000), request.body ?? '');
  let url = new URL(request.url);
  for (let redirects = 0; ; redirects++) {
    const refused = options.allowed.refusesHost(url.hostname);
    if (refused !== undefined) return { kind: 'refused', error: refused, latencyMs: performance.now() - t0 };
    const result = await once(url, request, headers, options);
    const latencyMs = performance.now() - t0;
    if (result.kind === 'refused' || result.kind === 'network') return { ...result, latencyMs };
    if (result.status >= 300 && result.status < 400 && result.location !== undefined) {
      const next = new URL(result.location, url);
      const nextRefused = options.allowed.refusesHost(next.hostname);
      if (nextRefused !== undefined) return { kind: 'refused', error: `redirect to ${next.host} not followed: ${nextRefused}`, latencyMs };
      if ((result.status !== 307 && result.status !== 308) || redirects >= MAX_REDIRECTS) {
        return { kind: 'refused', error: `redirect ${result.status} to ${next.host} not followed`, latencyMs };
      }
      url = next;
      continue;
    }
    return {
      kind: 'response',
      status: result.status,
      ...(result.retryAfter === undefined ? {} : { retryAfter: result.retryAfter }),
      body: result.body,
      latencyMs,
    };
  }
}

type Once =
  | { kind: 'response'; status: number; location?: string; retryAfter?: string; body: string }
  | { kind: 'network'; error: string }
  | { kind: 'refused'; error: string };

function once(url: URL, request: RenderedRequest, headers: Record<string, string>, options: SendOptions): Promise<Once> {
  return new Promise((resolve) => {
    let refusal: string | undefined;
    const lookup = (
      hostname: string,
      opts: object,
      callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
        if (err) return callback(err, []);
        for (const a of addresses) {
          refusal = options.allowed.refusesAddress(a.address, hostname);
          if (refusal !== undefined) return callback(Object.assign(new Error(refusal), { code: 'ELATIGOREFUSED' }), []);
        }
        const all = (opts as { all?: boolean }).all === true;
        return all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
    const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: request.method,
        headers: { ...headers, ...(request.body === undefined ? {} : { 'Content-Length': Buffer.byteLength(request.body) }) },
        lookup,
        signal: AbortSignal.any(signals),
        agent: options.agents === undefined ? false : url.protocol === 'https:' ? options.agents.https : options.agents.http,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < options.maxResponseChars) body += chunk.slice(0, options.maxResponseChars - body.length);
        });
        res.on('end', () =>
          resolve({
            kind: 'response',
            status: res.statusCode ?? 0,
            ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}),
            ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}),
            body,
          }),
        );
        res.on('error', (err) => resolve({ kind: 'network', error: describe(err, options.timeoutMs) }));
      },
    );
    req.on('error', (err) => {
      if (refusal !== undefined) resolve({ kind: 'refused', error: refusal });
      else resolve({ kind: 'network', error: describe(err, options.timeoutMs) });
    });
    req.end(request.body);
  });
}

function describe(err: Error, timeoutMs: number): string {
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${code}: ${err.message}` : err.message;
}
