import { Gauge } from 'prom-client';
import type { Container, ServiceIdentifier } from 'inversify';
import type { ApiDeps } from '../api/ApiDeps.js';
import type { ModelDefinitionDeps } from '../api/routes/modelDefinitions.js';
import { ModelWriter } from '../contracts/ModelWriter.js';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelTrainingStore } from '../ledger/ModelTrainingStore.js';
import type { Logger } from '../runtime/logger.js';
import { DefinedModelTrainer } from './DefinedModelTrainer.js';
import { DataWatermarks } from '../contracts/DataWatermarks.js';
import { LabelStore } from '../evaluation/LabelStore.js';
import { SummaryStore } from '../summary/SummaryStore.js';
import { buildApiServer } from '../api/ApiServer.js';
import { cachedModelStatuses, modelStatuses } from '../api/freshness.js';
import {
  MetricsToken,
  BackfillJobStoreToken,
  OnDemandRunsToken,
  ProcessRegistryToken,
  RunStoreToken,
  WindowLedgerToken,
} from '../composition/container.js';
import { isLoopbackAddress } from '../config/sections.js';
import { HealthCheck } from '../contracts/HealthCheck.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { PredictionReader } from '../contracts/PredictionReader.js';
import { QueueInspector } from '../contracts/QueueInspector.js';
import { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { LatigoMetrics } from '../observability/LatigoMetrics.js';
import { evaluateReadiness, type ReadinessCheck } from '../observability/readiness.js';
import { Database } from '../persistence/dataSource.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';
import type { ProcessRegistry } from '../processes/ProcessRegistry.js';
import { systemClock } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import { startOutputs } from '../outputs/startOutputs.js';
import { watchStates } from '../api/watchStates.js';
import { startHeartbeat } from './heartbeat.js';
import { ingestTarget } from './ingestWriter.js';
import { runCommand, type CommandContext, type GlobalOptions } from './runCommand.js';

/** `latigo api`: the HTTP service API and its OpenAPI docs, until SIGINT/SIGTERM. */
export async function runApi(options: { name: string }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: options.name, logTo: 'stdout', stoppable: true }, (context) => serveApi(context));
}

async function serveApi(context: CommandContext): Promise<void> {
  const { config, log, stopSignal } = context;
  await context.checkCredentials('api');
  const root = context.container('api');
  const outputs = await startOutputs(await root.getAsync<Database>(Database), config, systemClock, log, stopSignal);
  const deps = { ...(await apiDeps(context, root)), episodes: outputs.episodes, outputs: outputs.outputs };
  const app = await buildApiServer(deps);
  const watching = watchStates(await root.getAsync<Database>(Database), deps, stopSignal);
  const heartbeat = await startHeartbeat(context, root, 'api');
  try {
    await app.listen({ host: config.api.address, port: config.api.port });
  } catch (err) {
    await heartbeat.stop();
    throw new Error(`cannot listen on ${config.api.address}:${config.api.port}: ${describeError(err)}`, { cause: err });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.api.port;
  const host = config.api.address.includes(':') ? `[${config.api.address}]` : config.api.address;
  if (config.api.tokens.length === 0) {
    log.warn('no api.tokens configured: the API listens on loopback only and every caller has the admin role', {
      address: config.api.address,
    });
  }
  log.info('api listening', {
    address: config.api.address,
    port,
    tokens: config.api.tokens.length,
    loopback: isLoopbackAddress(config.api.address),
  });
  process.stdout.write(`API and docs at http://${host}:${port}/api/docs\n`);
  process.stdout.write(`Operator web page at http://${host}:${port}/\n`);
  await new Promise<void>((resolve) => {
    if (stopSignal.aborted) resolve();
    else stopSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  await app.close();
  await outputs.stopped;
  await watching;
  await heartbeat.stop();
  log.info('api stopped');
}

/** Resolves what the API uses; optional capabilities are looked up by token and left out when not bound. */
async function apiDeps(context: CommandContext, root: Container): Promise<ApiDeps> {
  const { config, log } = context;
  const optional = async <T>(token: ServiceIdentifier<T>): Promise<T | undefined> =>
    root.isBound(token) ? await root.getAsync<T>(token) : undefined;
  const db = await root.getAsync<Database>(Database);
  const ledger = await root.getAsync<WindowLedger>(WindowLedgerToken);
  const models = await root.getAsync(ModelInformationProvider);
  const inspector = await optional<QueueInspector>(QueueInspector);
  const reader = await optional<PredictionReader>(PredictionReader);
  const sensorData = await optional<SensorDataProvider>(SensorDataProvider);
  const ingest = await ingestTarget(root, systemClock);
  const metrics = root.get<LatigoMetrics>(MetricsToken);
  metrics.collectProcessMetrics();
  const partial = { config, clock: systemClock, models, ledger };
  const statuses = cachedModelStatuses((project) => modelStatuses(partial, project), config.api.catalogCacheMs, systemClock);
  registerStaleGauge(metrics, () => statuses(), log);
  // Read the catalogue now rather than on the first request: parsing thousands of definitions the first time
  // takes a second or more, which the first model list (and every request queued behind it) would wait for.
  statuses().catch((err: unknown) =>
    log.warn('model catalogue not read at start; the first request reads it', { error: describeError(err) }),
  );

  const sql = new SqlClient(db, 'readiness');
  const checks: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await sql.query('SELECT 1 AS ok', []);
      },
    },
  ];
  if (root.isBound(HealthCheck)) {
    for (const health of await root.getAllAsync<HealthCheck>(HealthCheck)) checks.push({ name: health.name, check: () => health.check() });
  } else if (inspector !== undefined) {
    checks.push({
      name: 'queue',
      check: async () => {
        await inspector.depth();
      },
    });
  }
  return {
    ...partial,
    log,
    database: db,
    modelStatuses: statuses,
    runs: await root.getAsync(RunStoreToken),
    onDemand: await root.getAsync(OnDemandRunsToken),
    backfills: await root.getAsync(BackfillJobStoreToken),
    processes: await root.getAsync<ProcessRegistry>(ProcessRegistryToken),
    ...(inspector === undefined ? {} : { inspector }),
    ...(reader === undefined ? {} : { reader }),
    ...(sensorData === undefined ? {} : { sensorData }),
    ...(ingest.writer === undefined ? {} : { sensorWriter: ingest.writer }),
    ...(ingest.sensorExists === undefined ? {} : { sensorExists: ingest.sensorExists }),
    definitions: await modelDefinitionDeps(root, db, log),
    metrics: () => metrics.expose(),
    readiness: () => evaluateReadiness(checks, { timeoutMs: config.http.readinessTimeoutMs, stopping: context.stopSignal }),
  };
}

/** What the definition, label, evaluation and summary routes use: the capabilities when bound, the core's tables. */
async function modelDefinitionDeps(root: Container, db: Database, log: Logger): Promise<ModelDefinitionDeps> {
  const trainer =
    root.isBound(ModelWriter) && root.isBound(ModelExecutionProvider)
      ? new DefinedModelTrainer(
          await root.getAsync(ModelInformationProvider),
          await root.getAsync(ModelExecutionProvider),
          new ModelTrainingStore(db, systemClock),
          log.child({ component: 'training' }),
        )
      : undefined;
  // Revisions a stopped api left pending or half-trained train again now (in the background).
  if (trainer !== undefined)
    void trainer.resume().catch((err: unknown) => log.warn('cannot resume pending trainings', { error: describeError(err) }));
  return {
    ...(root.isBound(ModelWriter) ? { writer: await root.getAsync(ModelWriter) } : {}),
    ...(root.isBound(DataWatermarks) ? { watermarks: await root.getAsync(DataWatermarks) } : {}),
    ...(trainer === undefined ? {} : { trainer }),
    labels: new LabelStore(db),
    summaries: new SummaryStore(db),
  };
}

/** `latigo_model_stale{project,model}` = 1 for each model breaching slo.max_staleness, read at scrape time. */
function registerStaleGauge(metrics: LatigoMetrics, statuses: () => ReturnType<typeof modelStatuses>, log: CommandContext['log']): void {
  new Gauge({
    name: 'latigo_model_stale',
    help: 'Models whose newest finished window is older than slo.max_staleness (1 per stale model).',
    labelNames: ['project', 'model'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      try {
        for (const m of await statuses()) if (m.stale) this.set({ project: m.project, model: m.name }, 1);
      } catch (err) {
        log.warn('latigo_model_stale not collected', { error: describeError(err) });
      }
    },
  });
}
