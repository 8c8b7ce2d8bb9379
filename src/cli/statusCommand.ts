import { modelStatuses } from '../api/freshness.js';
import { ProcessRegistryToken, WindowLedgerToken } from '../composition/container.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ProcessRegistry } from '../processes/ProcessRegistry.js';
import { systemClock } from '../runtime/clock.js';
import { PredictionReader } from '../contracts/PredictionReader.js';
import { QueueInspector } from '../contracts/QueueInspector.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { EpisodeStore, episodeSettings } from '../episodes/EpisodeStore.js';
import { Database } from '../persistence/Database.js';
import { runCommand, type GlobalOptions } from './runCommand.js';
import { collectStatus, formatStatus } from './statusReport.js';

/**
 * `latigo status [--json] [--anomalies n]`: queue depth, windows by state and error class, predictions,
 * latest anomalies. Read-only: a database that does not exist is an error (exit 1), never created.
 */
export async function runStatus(options: { json?: boolean; anomalies: number }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'status', logTo: 'stderr' }, async ({ container, config }) => {
    const root = container('admin', { mustExist: true });
    const ledger = await root.getAsync<WindowLedger>(WindowLedgerToken);
    const models = await root.getAsync(ModelInformationProvider);
    const registry = await root.getAsync<ProcessRegistry>(ProcessRegistryToken);
    const episodes = new EpisodeStore(await root.getAsync<Database>(Database), episodeSettings(config.episodes), systemClock);
    const report = await collectStatus(
      {
        ledger,
        freshness: {
          statuses: () => modelStatuses({ models, ledger, clock: systemClock, config }),
          maxStalenessMs: config.slo.maxStalenessMs,
        },
        processes: () => registry.list(Date.now(), config.api.lostAfterMs),
        openEpisodes: () => episodes.list({ open: true, limit: options.anomalies }),
        pools: config.executor.pools,
        ...(root.isBound(QueueInspector) ? { inspector: await root.getAsync(QueueInspector) } : {}),
        ...(root.isBound(PredictionReader) ? { reader: await root.getAsync(PredictionReader) } : {}),
      },
      { anomalies: options.anomalies },
    );
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatStatus(report));
  });
}
