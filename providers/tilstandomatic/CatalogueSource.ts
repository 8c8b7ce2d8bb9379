import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import axios, { isAxiosError, type AxiosInstance } from 'axios';
import yaml from 'js-yaml';
import type { BearerTokenSource } from '../../src/credentials/index.js';
import { abortError, ProviderError, throwIfAborted, isProviderError } from '../../src/runtime/errors.js';
import type { CatalogueDocument } from './gordoCatalogue.js';

/** Where Gordo project configurations come from. `load` answers `undefined` when nothing changed since the last load. */
export interface CatalogueSource {
  load(signal?: AbortSignal): Promise<CatalogueDocument[] | undefined>;
}

/**
 * Tilstandomatic's HTTP endpoint: a GET with the bearer token and, after the first answer, the ETag in
 * If-None-Match, so an unchanged catalogue costs a 304 and no parsing. A 401 refreshes the token once.
 */
export class HttpCatalogueSource implements CatalogueSource {
  private etag: string | undefined;

  constructor(
    private readonly url: string,
    private readonly http: AxiosInstance,
    private readonly tokens: BearerTokenSource | undefined,
  ) {}

  static create(url: string, timeoutMs: number, tokens: BearerTokenSource | undefined): HttpCatalogueSource {
    // Text, not JSON: the body may be YAML; js-yaml reads both.
    return new HttpCatalogueSource(
      url,
      axios.create({ timeout: timeoutMs, responseType: 'text', transformResponse: (data: unknown) => data }),
      tokens,
    );
  }

  async load(signal?: AbortSignal): Promise<CatalogueDocument[] | undefined> {
    throwIfAborted(signal);
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.tokens?.token(signal ? { signal } : {});
      try {
        const response = await this.http.get<string>(this.url, {
          headers: {
            Accept: 'application/json, application/yaml;q=0.9',
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            ...(this.etag ? { 'If-None-Match': this.etag } : {}),
          },
          validateStatus: (status) => (status >= 200 && status < 300) || status === 304,
          ...(signal ? { signal } : {}),
        });
        if (response.status === 304) return undefined;
        const etag = response.headers.etag as unknown;
        const documents = [{ body: parseDocument(response.data, this.url) }];
        this.etag = typeof etag === 'string' ? etag : undefined;
        return documents;
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        const status = isAxiosError(err) ? err.response?.status : undefined;
        if (status === 401 && this.tokens && !refreshed) {
          this.tokens.invalidate();
          continue;
        }
        if (isProviderError(err)) throw err;
        const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
        throw new ProviderError(
          `tilstandomatic: GET ${this.url} failed: ${status === undefined ? (err as Error).message : `HTTP ${status}`}`,
          {
            retryable,
            cause: new Error((err as Error).message),
          },
        );
      }
    }
  }
}

/** Files exported from Tilstandomatic (or written by hand); read again on every load, as they may change. */
export class FileCatalogueSource implements CatalogueSource {
  constructor(private readonly files: readonly string[]) {}

  async load(signal?: AbortSignal): Promise<CatalogueDocument[]> {
    return Promise.all(
      this.files.map(async (file) => {
        let text: string;
        try {
          text = await readFile(file, { encoding: 'utf8', ...(signal ? { signal } : {}) });
        } catch (err) {
          if (signal?.aborted) throw abortError(signal);
          throw new ProviderError(`tilstandomatic: cannot read ${file}: ${(err as Error).message}`, { retryable: false, cause: err });
        }
        return { body: parseDocument(text, file), fallbackProject: basename(file, extname(file)) };
      }),
    );
  }
}

function parseDocument(text: string, origin: string): unknown {
  try {
    return yaml.load(text);
  } catch (err) {
    throw new ProviderError(`tilstandomatic: ${origin} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`, {
      retryable: false,
      cause: err,
    });
  }
}
