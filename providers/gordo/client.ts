import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { BearerTokenSource } from '../../src/credentials/BearerTokenSource.js';
import { NotFoundError, ProviderError, throwIfAborted } from '../../src/runtime/errors.js';
import { httpStatusError, toProviderError } from './errors.js';
import { parseGordoJson } from './json.js';

export type PredictionEndpoint = 'anomaly/prediction' | 'prediction';

export interface RevisionListing {
  /** The revision the server was deployed with: what it serves without `?revision=`. */
  readonly latest: string;
  readonly available: readonly string[];
}

/** The calls latigo makes to a Gordo ML server, under `/gordo/v0/<project>/`. Every call but `revisions` pins a revision. */
export interface GordoClientLike {
  revisions(project: string, options?: CallOptions): Promise<RevisionListing>;
  models(project: string, revision: string, options?: CallOptions): Promise<string[]>;
  expectedModels(project: string, revision: string, options?: CallOptions): Promise<string[]>;
  /** The whole metadata document (`{"metadata": {...}, ...}`). NotFoundError when the model is not in the revision. */
  metadata(project: string, model: string, revision: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** POSTs a JSON body (`{"X": ..., "y": ...}`, already serialized) and returns the parsed answer. */
  predict(
    project: string,
    model: string,
    revision: string,
    endpoint: PredictionEndpoint,
    body: string,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
}

export interface GordoClientOptions {
  /** Gateway base URL, e.g. https://gordo.example.com; `/gordo/v0/...` is appended. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Sockets per host: bounds the requests in flight to one gateway. */
  readonly maxSockets: number;
  readonly tokens?: BearerTokenSource;
}

/**
 * The Gordo server API over axios. Answers are read as text and parsed with the NaN-tolerant parser; a 2xx
 * that is not `application/json` means the gateway does not serve the project (NotFoundError). Errors are
 * translated once (errors.ts): 404 NotFoundError, 410 RevisionGoneError, 422 NotAnAnomalyDetectorError,
 * 5xx/timeouts/connection errors retryable ProviderError. A 401 drops the cached token and retries once.
 */
export class GordoClient implements GordoClientLike {
  private readonly http: AxiosInstance;

  constructor(private readonly options: GordoClientOptions) {
    // noDelay: a POST goes out as headers then body; with Nagle on, the body waits for a delayed ACK (~40 ms).
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, noDelay: true };
    this.http = axios.create({
      baseURL: `${options.baseUrl.replace(/\/+$/, '')}/gordo/v0/`,
      timeout: options.timeoutMs,
      responseType: 'text',
      // We parse ourselves (NaN tokens) and read every status ourselves; bodies are sent as built (axios
      // would otherwise parse a JSON string body once more just to check it).
      transformResponse: [(data: unknown) => data],
      transformRequest: [(data: unknown) => data],
      validateStatus: () => true,
      maxContentLength: Infinity,
      maxBodyLength: Infinity,
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    });
  }

  async revisions(project: string, options?: CallOptions): Promise<RevisionListing> {
    const body = await this.getJson(`${seg(project)}/revisions`, undefined, 'gordo.revisions', options);
    const latest = body['latest'];
    if (typeof latest !== 'string') throw malformed('gordo.revisions', 'no "latest" revision');
    return { latest, available: stringList(body['available-revisions'], 'gordo.revisions') };
  }

  async models(project: string, revision: string, options?: CallOptions): Promise<string[]> {
    const body = await this.getJson(`${seg(project)}/models`, revision, 'gordo.models', options);
    return stringList(body['models'], 'gordo.models');
  }

  async expectedModels(project: string, revision: string, options?: CallOptions): Promise<string[]> {
    const body = await this.getJson(`${seg(project)}/expected-models`, revision, 'gordo.expectedModels', options);
    return stringList(body['expected-models'], 'gordo.expectedModels');
  }

  metadata(project: string, model: string, revision: string, options?: CallOptions): Promise<Record<string, unknown>> {
    return this.getJson(`${seg(project)}/${seg(model)}/metadata`, revision, 'gordo.metadata', options);
  }

  predict(
    project: string,
    model: string,
    revision: string,
    endpoint: PredictionEndpoint,
    body: string,
    options?: CallOptions,
  ): Promise<Record<string, unknown>> {
    return this.request('POST', `${seg(project)}/${seg(model)}/${endpoint}`, revision, `gordo.${endpoint}`, body, options);
  }

  private getJson(path: string, revision: string | undefined, operation: string, options?: CallOptions): Promise<Record<string, unknown>> {
    return this.request('GET', path, revision, operation, undefined, options);
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    revision: string | undefined,
    operation: string,
    body: string | undefined,
    options: CallOptions | undefined,
    retriedAuth = false,
  ): Promise<Record<string, unknown>> {
    const signal = options?.signal;
    throwIfAborted(signal);
    let response;
    try {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (this.options.tokens) headers['Authorization'] = `Bearer ${await this.options.tokens.token(options)}`;
      response = await this.http.request<string>({
        method,
        url: path,
        data: body,
        headers,
        params: { format: method === 'POST' ? 'json' : undefined, revision },
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw toProviderError(err, operation, signal);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    const text = typeof response.data === 'string' ? response.data : String(response.data ?? '');
    if (response.status === 401 && this.options.tokens && !retriedAuth) {
      this.options.tokens.invalidate();
      return this.request(method, path, revision, operation, body, options, true);
    }
    if (response.status < 200 || response.status >= 300) {
      const retryAfter: unknown = response.headers['retry-after'];
      throw httpStatusError(response.status, text, contentType, typeof retryAfter === 'string' ? retryAfter : undefined, operation);
    }
    // A gateway that does not route the project may answer 2xx with an HTML page: "not served", not data.
    if (!contentType.toLowerCase().startsWith('application/json')) {
      throw new NotFoundError(
        `${operation}: the gateway answered ${response.status} with ${contentType || 'no content type'}, not JSON: the project is not served there`,
      );
    }
    let parsed: unknown;
    try {
      parsed = parseGordoJson(text);
    } catch (err) {
      throw new ProviderError(`${operation}: the answer is not valid JSON (${(err as Error).message})`, { retryable: false, cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw malformed(operation, 'the answer is not a JSON object');
    return parsed as Record<string, unknown>;
  }
}

/** Project and model names go into the path as one segment each, whatever characters they hold. */
function seg(name: string): string {
  return encodeURIComponent(name);
}

function stringList(value: unknown, operation: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw malformed(operation, 'expected a list of names');
  return value;
}

function malformed(operation: string, what: string): ProviderError {
  return new ProviderError(`${operation}: unexpected answer: ${what}`, { retryable: false });
}
