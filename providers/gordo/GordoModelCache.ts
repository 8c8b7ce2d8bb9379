import type { GordoClientLike } from './client.js';
import { parseGordoMetadata, type GordoModel } from './metadata.js';
import { cacheKey, PromiseCache } from './PromiseCache.js';

/**
 * Model metadata by (project, model, revision), fetched once: a revision's files never change. One cache
 * serves both the model-information and the model-execution provider of a process, so an executor fetches
 * each model's metadata once, not once per role.
 */
export class GordoModelCache {
  private readonly cache: PromiseCache<GordoModel>;

  constructor(
    private readonly client: GordoClientLike,
    capacity = 20_000,
  ) {
    this.cache = new PromiseCache(capacity);
  }

  /** Rejects with NotFoundError (404), RevisionGoneError (410), InvalidDataError (a document without what we need). */
  get(project: string, name: string, revision: string, signal?: AbortSignal): Promise<GordoModel> {
    return this.cache.get(
      cacheKey(project, name, revision),
      async () => parseGordoMetadata(await this.client.metadata(project, name, revision), project, name, revision),
      signal,
    );
  }

  /** Forgets every revision of one model. */
  forget(project: string, name: string): void {
    const prefix = cacheKey(project, name).slice(0, -1);
    this.cache.forget((key) => key.startsWith(prefix));
  }
}
