import type { AppConfig } from '../config/AppConfig.js';
import { createEpisodeStore } from '../episodes/createEpisodeStore.js';
import type { EpisodeStore } from '../episodes/EpisodeStore.js';
import { EventOutbox } from '../events/EventOutbox.js';
import { WindowLedger } from '../ledger/WindowLedger.js';
import type { Database } from '../persistence/Database.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import { AllowedHosts } from './allowedHosts.js';
import { OutputDispatcher } from './OutputDispatcher.js';
import { OutputService } from './OutputService.js';
import { OutputStore } from './OutputStore.js';
import { runResultSource } from './runResults.js';

export interface RunningOutputs {
  readonly episodes: EpisodeStore;
  readonly outputs: OutputService;
  readonly dispatcher: OutputDispatcher;
  /** Settles once the dispatcher stopped (after `signal`) and its sends in flight ended. */
  readonly stopped: Promise<void>;
}

/**
 * The api process's outputs (issue 19): saves `outputs.definitions` (a bad one stops the start with a
 * ConfigError naming it), then follows the event outbox and delivers until `signal` fires. Deliveries run
 * in the api role because it is the one long-running process that already reads the outbox for the live
 * feed and serves the outputs' routes; several api processes share the work through delivery leases.
 */
export async function startOutputs(
  db: Database,
  config: AppConfig,
  clock: Clock,
  log: Logger,
  signal: AbortSignal,
): Promise<RunningOutputs> {
  const store = new OutputStore(db);
  const allowed = new AllowedHosts(config.outputs.allowedHosts);
  const dispatcher = new OutputDispatcher({
    store,
    events: new EventOutbox(db, clock),
    config: config.outputs,
    allowed,
    clock,
    log: log.child({ component: 'outputs' }),
    results: runResultSource(db, new WindowLedger(db, clock)),
  });
  const outputs = new OutputService({ store, config: config.outputs, allowed, clock, onChange: () => dispatcher.reload() });
  await outputs.syncConfig();
  const stopped = dispatcher.run(signal);
  return { episodes: createEpisodeStore(db, config.episodes, clock), outputs, dispatcher, stopped };
}
