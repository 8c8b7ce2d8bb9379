import { abandonOnAbort } from '../../src/runtime/abort.js';

/**
 * Values computed once per key, shared by concurrent callers, at most `capacity` kept (the least recently
 * used goes first). A computation that rejects is forgotten, so the next caller tries again.
 */
export class PromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(private readonly capacity: number) {}

  /**
   * The cached value, or `compute()` shared by every caller until it settles. The computation runs without
   * the caller's signal (another caller may still want it); `signal` only stops this caller waiting.
   */
  get(key: string, compute: () => Promise<V>, signal?: AbortSignal): Promise<V> {
    let promise = this.entries.get(key);
    if (promise !== undefined) {
      this.entries.delete(key);
    } else {
      const computed = compute();
      promise = computed;
      computed.catch(() => {
        if (this.entries.get(key) === computed) this.entries.delete(key);
      });
    }
    this.entries.set(key, promise);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return abandonOnAbort(promise, signal);
  }

  /** Forgets every key for which `matches` holds. */
  forget(matches: (key: string) => boolean): void {
    for (const key of [...this.entries.keys()]) if (matches(key)) this.entries.delete(key);
  }
}

/** A cache key from parts that may hold any character. */
export function cacheKey(...parts: string[]): string {
  return JSON.stringify(parts);
}
