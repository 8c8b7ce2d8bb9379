import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { BearerTokenSource } from '../../src/credentials/index.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import { withRetry, type RetryPolicy } from '../../src/runtime/retry.js';
import type { DataApiConfig } from './config.js';
import { statusOf, toProviderError } from './errors.js';

/** A time series as the API describes it (only the fields we use). */
export interface DataApiSeries {
  readonly id: string;
  readonly name: string;
  readonly facility: string;
  readonly unit?: string;
}

/** One item of a multi-id read (`POST {base}/query/data`). */
export interface DataQueryItem {
  readonly id: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly limit: number;
  readonly includeOutsidePoints: false;
  readonly statusFilter: readonly number[];
  readonly continuationToken?: string;
}

export interface Datapoint {
  readonly time: string;
  readonly value: number;
  readonly status: number;
}

export interface DataQueryResult {
  readonly items: readonly {
    readonly id: string;
    readonly datapoints?: readonly Datapoint[] | null;
    readonly continuationToken?: string | null;
  }[];
  readonly continuationToken: string | null;
}

/** A new series (`POST {base}/getoradd`). */
export interface SeriesSpec {
  readonly name: string;
  readonly facility: string;
  readonly description: string;
  readonly step: boolean;
  readonly unit: string;
  readonly externalId: string;
}

/** The calls the providers make; tests and the benchmark talk to a loopback server through the real one. */
export interface DataApiClientLike {
  listSeries(filter: { name?: string; facility?: string }, options?: { signal?: AbortSignal }): Promise<DataApiSeries[]>;
  getOrAdd(specs: readonly SeriesSpec[], options?: { signal?: AbortSignal }): Promise<DataApiSeries[]>;
  queryData(
    items: readonly DataQueryItem[],
    continuationToken: string | undefined,
    options?: { signal?: AbortSignal },
  ): Promise<DataQueryResult>;
  writeData(items: readonly { id: string; datapoints: readonly Datapoint[] }[], options?: { signal?: AbortSignal }): Promise<void>;
}

interface Envelope<T> {
  data?: { items?: T[] | null } | null;
  continuationToken?: string | null;
}

/**
 * The Data API over axios: bearer token on every request (one refresh and replay after a 401), each
 * request retried on its own by `retry` (429 and 5xx honouring Retry-After, network failures),
 * errors translated once by errors.ts.
 */
export class DataApiClient implements DataApiClientLike {
  constructor(
    private readonly http: AxiosInstance,
    private readonly tokens: BearerTokenSource,
    private readonly retry: RetryPolicy,
    private readonly log: Logger,
  ) {}

  static create(config: DataApiConfig, tokens: BearerTokenSource, log: Logger): DataApiClient {
    const agentOptions = { keepAlive: true, maxSockets: config.maxConnections };
    const http = axios.create({
      baseURL: config.baseUrl,
      timeout: config.timeoutMs,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      // Error bodies are JSON too; axios throws for non-2xx and errors.ts reads them.
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
    return new DataApiClient(http, tokens, config.retry, log);
  }

  async listSeries(filter: { name?: string; facility?: string }, options: { signal?: AbortSignal } = {}): Promise<DataApiSeries[]> {
    const all: DataApiSeries[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.send<Envelope<DataApiSeries>>('GET', '', 'dataApi.listSeries', options.signal, {
        params: { ...filter, ...(continuationToken ? { continuationToken } : {}) },
      });
      all.push(...(page.data?.items ?? []));
      continuationToken = page.continuationToken ?? undefined;
    } while (continuationToken);
    return all;
  }

  async getOrAdd(specs: readonly SeriesSpec[], options: { signal?: AbortSignal } = {}): Promise<DataApiSeries[]> {
    const result = await this.send<Envelope<DataApiSeries>>('POST', '/getoradd', 'dataApi.getOrAdd', options.signal, { data: specs });
    return result.data?.items ?? [];
  }

  async queryData(
    items: readonly DataQueryItem[],
    continuationToken: string | undefined,
    options: { signal?: AbortSignal } = {},
  ): Promise<DataQueryResult> {
    const result = await this.send<Envelope<DataQueryResult['items'][number]>>('POST', '/query/data', 'dataApi.queryData', options.signal, {
      data: items,
      ...(continuationToken ? { params: { continuationToken } } : {}),
    });
    return { items: result.data?.items ?? [], continuationToken: result.continuationToken ?? null };
  }

  async writeData(
    items: readonly { id: string; datapoints: readonly Datapoint[] }[],
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    // async=false: the API answers after the points are committed (async=true would hide failures).
    await this.send('POST', '/data', 'dataApi.writeData', options.signal, { data: { items }, params: { async: 'false' } });
  }

  private send<T>(
    method: 'GET' | 'POST',
    url: string,
    operation: string,
    signal: AbortSignal | undefined,
    request: { params?: Record<string, string>; data?: unknown },
  ): Promise<T> {
    return withRetry(() => this.sendOnce<T>(method, url, operation, signal, request), this.retry, {
      ...(signal ? { signal } : {}),
      onRetry: (err, attempt, delayMs) =>
        this.log.debug('retrying a Data API request', { operation, attempt, delayMs, error: err.message }),
    });
  }

  private async sendOnce<T>(
    method: 'GET' | 'POST',
    url: string,
    operation: string,
    signal: AbortSignal | undefined,
    request: { params?: Record<string, string>; data?: unknown },
  ): Promise<T> {
    throwIfAborted(signal);
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.tokens.token(signal ? { signal } : {});
      try {
        const response = await this.http.request<T>({
          method,
          url,
          ...request,
          headers: { Authorization: `Bearer ${token}` },
          ...(signal ? { signal } : {}),
        });
        return response.data;
      } catch (err) {
        // A token the API refuses (expired early, revoked): fetch a new one and replay, once.
        if (!refreshed && statusOf(err) === 401) {
          this.log.debug('Data API refused the token; refreshing it', { operation });
          // Requests in flight together all see the 401: only the first to notice drops the shared token.
          if ((await this.tokens.token(signal ? { signal } : {})) === token) this.tokens.invalidate();
          continue;
        }
        throw toProviderError(err, operation, signal);
      }
    }
  }
}
