import { facilityFromRules } from '../../src/domain/index.js';
import { ProviderError, throwIfAborted } from '../../src/runtime/errors.js';
import type { DataApiClientLike, DataApiSeries, SeriesSpec } from './DataApiClient.js';
import type { DataApiConfig } from './config.js';

interface Cached<T> {
  readonly value: T;
  readonly expiresMs: number;
}

/**
 * Tag name -> series, and tag name -> facility, cached for `series_cache_ttl` in memory (no Redis): after
 * the first task of a model its lookups cost no requests. Absent series are not cached, so a series
 * created later is found on the next call. Facilities come from the prefix rules first, then from the
 * API (a lookup by name, which also caches the series it finds), then from `facility.default`.
 */
export class SeriesDirectory {
  private readonly series = new Map<string, Cached<DataApiSeries>>();
  private readonly facilities = new Map<string, Cached<string>>();
  /**
   * Lookups in flight, shared by concurrent tasks asking for the same name. They run without any one
   * caller's signal (a task cancelled mid-lookup must not fail the others); the request timeout bounds them.
   */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: DataApiClientLike,
    private readonly config: DataApiConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The facility of each tag, by `facility.mode`: `first_tag` gives every tag the facility of the first tag
   * whose facility is known; `per_tag` resolves each. Undefined where none can be found.
   */
  async facilitiesOf(names: readonly string[], signal?: AbortSignal): Promise<(string | undefined)[]> {
    if (this.config.facility.mode === 'per_tag') return Promise.all(names.map((name) => this.facilityOf(name, signal)));
    for (const name of names) {
      const facility = await this.facilityOf(name, signal, false);
      if (facility !== undefined) return names.map(() => facility);
    }
    return names.map(() => this.config.facility.default);
  }

  /** The series named exactly `name` in `facility`, or undefined. */
  async find(name: string, facility: string, signal?: AbortSignal): Promise<DataApiSeries | undefined> {
    throwIfAborted(signal);
    const key = seriesKey(facility, name);
    const hit = this.fresh(this.series.get(key));
    if (hit) return hit;
    return this.shared(`s:${key}`, async () => {
      const found = (await this.client.listSeries({ name, facility })).filter((s) => s.name === name && s.facility === facility);
      if (found[0]) this.remember(found[0]);
      return found[0];
    });
  }

  /** The series of `specs`, created when missing (one getoradd request per 100 missing), in the order given. */
  async getOrAdd(specs: readonly SeriesSpec[], signal?: AbortSignal): Promise<DataApiSeries[]> {
    const result: (DataApiSeries | undefined)[] = specs.map((s) => this.fresh(this.series.get(seriesKey(s.facility, s.name))));
    const missing = specs.filter((_, i) => result[i] === undefined);
    for (let i = 0; i < missing.length; i += 100) {
      for (const series of await this.client.getOrAdd(missing.slice(i, i + 100), signal ? { signal } : {})) this.remember(series);
    }
    return specs.map((spec, i) => {
      const series = result[i] ?? this.fresh(this.series.get(seriesKey(spec.facility, spec.name)));
      if (!series)
        throw new ProviderError(`dataApi.getOrAdd did not return series "${spec.name}" in facility ${spec.facility}`, { retryable: true });
      return series;
    });
  }

  private async facilityOf(name: string, signal: AbortSignal | undefined, withDefault = true): Promise<string | undefined> {
    const ruled = facilityFromRules(name, this.config.facility.rules);
    if (ruled !== undefined) return ruled;
    const hit = this.fresh(this.facilities.get(name));
    if (hit !== undefined) return hit;
    throwIfAborted(signal);
    const found = await this.shared(`f:${name}`, async () => {
      const matches = (await this.client.listSeries({ name })).filter((s) => s.name === name);
      for (const s of matches) this.remember(s);
      const facilities = [...new Set(matches.map((s) => s.facility).filter((f) => f !== ''))].sort();
      if (facilities.length > 1 && !facilities.includes(this.config.facility.default ?? '')) {
        throw new ProviderError(
          `tag "${name}" exists in facilities ${facilities.join(', ')}: add a facility rule for it (facility.rules)`,
          { retryable: false },
        );
      }
      const facility = facilities.length > 1 ? this.config.facility.default : facilities[0];
      if (facility !== undefined) this.facilities.set(name, { value: facility, expiresMs: this.clock() + this.config.seriesCacheTtlMs });
      return facility;
    });
    return found ?? (withDefault ? this.config.facility.default : undefined);
  }

  private remember(series: DataApiSeries): void {
    this.series.set(seriesKey(series.facility, series.name), { value: series, expiresMs: this.clock() + this.config.seriesCacheTtlMs });
  }

  private fresh<T>(entry: Cached<T> | undefined): T | undefined {
    return entry && entry.expiresMs > this.clock() ? entry.value : undefined;
  }

  private shared<T>(key: string, lookup: () => Promise<T>): Promise<T> {
    let promise = this.pending.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = lookup().finally(() => this.pending.delete(key));
      this.pending.set(key, promise);
    }
    return promise;
  }
}

function seriesKey(facility: string, name: string): string {
  return `${facility}\u0000${name}`;
}
