import type { Container } from 'inversify';
import { MetricsToken, ProcessRegistryToken, WindowLedgerToken } from '../composition/container.js';
import { HealthCheck } from '../contracts/HealthCheck.js';
import { QueueInspector } from '../contracts/QueueInspector.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { registerBacklogGauges } from '../observability/backlogGauges.js';
import type { LatigoMetrics } from '../observability/LatigoMetrics.js';
import { ObservabilityServer } from '../observability/ObservabilityServer.js';
import { evaluateReadiness, providerChecks, type ReadinessCheck } from '../observability/readiness.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';
import { Database } from '../persistence/dataSource.js';
import { unservedCounts, waitingUnserved } from '../processes/unservedLanes.js';
import { systemClock } from '../runtime/clock.js';
import type { CommandContext } from './runCommand.js';

/** What a long-running command holds while it serves `/healthz`, `/readyz` and `/metrics`. */
export interface ObservabilityEndpoint {
  close(): Promise<void>;
}

const notServing: ObservabilityEndpoint = { close: async () => {} };

/**
 * Starts the process's HTTP endpoint when `http.enabled`: metrics from the container's LatigoMetrics plus
 * queue depth and lag, readiness from the database and the queue. A port already in use stops the
 * command (a probe that cannot reach its process would restart it forever).
 */
export async function serveObservability(context: CommandContext, container: Container): Promise<ObservabilityEndpoint> {
  const { config, log, stopSignal } = context;
  if (!config.http.enabled) return notServing;
  const metrics = container.get<LatigoMetrics>(MetricsToken);
  const db = await container.getAsync<Database>(Database);
  const inspector = container.isBound(QueueInspector) ? await container.getAsync(QueueInspector) : undefined;
  const healthChecks = container.isBound(HealthCheck) ? await container.getAllAsync(HealthCheck) : [];
  metrics.collectProcessMetrics();
  const registry = await container.getAsync(ProcessRegistryToken);
  const counts = unservedCounts(inspector);
  registerBacklogGauges(metrics.registry, {
    ...(inspector ? { queue: inspector } : {}),
    ...(Object.keys(counts).length === 0
      ? {}
      : {
          unserved: () =>
            waitingUnserved({
              ...counts,
              processes: () => registry.list(Date.now(), config.api.lostAfterMs),
              pools: config.executor.pools,
            }),
        }),
    ledger: await container.getAsync<WindowLedger>(WindowLedgerToken),
    clock: systemClock,
    log: log.child({ component: 'metrics' }),
  });
  const sql = new SqlClient(db, 'readiness');
  const checks: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await sql.query('SELECT 1 AS ok', []);
      },
    },
    ...providerChecks(healthChecks),
  ];
  const server = await ObservabilityServer.start({
    host: config.http.host,
    port: config.http.port,
    metrics: () => metrics.expose(),
    readiness: () => evaluateReadiness(checks, { timeoutMs: config.http.readinessTimeoutMs, stopping: stopSignal }),
    log,
  });
  log.info('http endpoint listening', { host: server.host, port: server.port, paths: ['/healthz', '/readyz', '/metrics'] });
  return server;
}
