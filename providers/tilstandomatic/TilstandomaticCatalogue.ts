import type { Logger } from '../../src/runtime/logger.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { TilstandomaticConfig } from './config.js';
import { buildCatalogue, type Catalogue } from './gordoCatalogue.js';
import type { CatalogueSource } from './CatalogueSource.js';

/**
 * The current catalogue, loaded at most once per `refresh_interval` (concurrent callers share one load).
 * Each new catalogue's broken machines are logged once, by name, as a warning; the rest serve.
 */
export class TilstandomaticCatalogue {
  private current: Catalogue | undefined;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private loading: Promise<Catalogue> | undefined;

  constructor(
    private readonly source: CatalogueSource,
    private readonly config: TilstandomaticConfig,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(signal?: AbortSignal): Promise<Catalogue> {
    throwIfAborted(signal);
    if (this.current && this.clock() - this.loadedAtMs < this.config.refreshIntervalMs) return this.current;
    // Shared by concurrent callers, so it runs without any one caller's signal; the request timeout bounds it.
    this.loading ??= this.refresh().finally(() => {
      this.loading = undefined;
    });
    const catalogue = await this.loading;
    throwIfAborted(signal);
    return catalogue;
  }

  private async refresh(): Promise<Catalogue> {
    const documents = await this.source.load();
    this.loadedAtMs = this.clock();
    if (documents === undefined && this.current) return this.current;
    const catalogue = buildCatalogue(documents ?? [], this.config);
    for (const problem of catalogue.problems) {
      this.log.warn('Gordo machine skipped', { project: problem.project, machine: problem.machine, reason: problem.reason });
    }
    let modelCount = 0;
    for (const models of catalogue.models.values()) modelCount += models.size;
    this.log.info('Tilstandomatic catalogue loaded', {
      projects: catalogue.models.size,
      models: modelCount,
      skipped: catalogue.problems.length,
    });
    this.current = catalogue;
    return catalogue;
  }
}
