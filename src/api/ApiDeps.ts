import type { BackfillJobStore } from '../backfills/BackfillJobStore.js';
import type { AppConfig } from '../config/AppConfig.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { PredictionReader } from '../contracts/PredictionReader.js';
import type { QueueInspector } from '../contracts/QueueInspector.js';
import type { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import type { SensorWriter } from '../contracts/SensorWriter.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { Database } from '../persistence/Database.js';
import type { ReadinessReport } from '../observability/readiness.js';
import type { ModelStatus } from './freshness.js';
import type { ModelDefinitionDeps } from './routes/modelDefinitions.js';
import type { ProcessRegistry } from '../processes/ProcessRegistry.js';
import type { OnDemandRuns } from '../runs/OnDemandRuns.js';
import type { RunStore } from '../runs/RunStore.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { EpisodeStore } from '../episodes/EpisodeStore.js';
import type { OutputService } from '../outputs/OutputService.js';

/**
 * What the API reads and writes: the database (ledger, runs, processes) and the declared capabilities.
 * A capability the configured provider does not offer is absent, and its routes answer 501 saying so.
 */
export interface ApiDeps {
  config: AppConfig;
  log: Logger;
  clock: Clock;
  ledger: WindowLedger;
  models: ModelInformationProvider;
  runs: RunStore;
  onDemand: OnDemandRuns;
  backfills: BackfillJobStore;
  processes: ProcessRegistry;
  inspector?: QueueInspector;
  reader?: PredictionReader;
  sensorData?: SensorDataProvider;
  /** POST /ingest: the configured SensorWriter, recording watermarks (WatermarkingSensorWriter). */
  sensorWriter?: SensorWriter;
  /** Whether a sensor exists (sensor_information), for ingest with create_tags=false. */
  sensorExists?: (name: string) => Promise<boolean>;
  /** Model definitions, labels, evaluation and summaries (issue 16); see routes/modelDefinitions.ts. */
  definitions?: ModelDefinitionDeps;
  /** Anomaly episodes and outputs (issue 19); their routes answer 501 without them. */
  episodes?: EpisodeStore;
  outputs?: OutputService;
  /** Prometheus text of the process's registry. */
  metrics: () => Promise<{ contentType: string; body: string }>;
  readiness: () => Promise<ReadinessReport>;
  /** The process's database: the live feed (/ws) follows its event outbox; without it there is no /ws. */
  database?: Database;
  /** Every model (of a project) with its freshness; cached for api.catalog_cache. */
  modelStatuses: (project?: string) => Promise<ModelStatus[]>;
}
