import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseEmbeddedQueueConfig } from '../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../providers/database-queue/DatabaseTaskQueue.js';
import { WindowLedger } from '../src/ledger/WindowLedger.js';
import { ProcessRegistry } from '../src/processes/ProcessRegistry.js';
import { waitingUnserved } from '../src/processes/unservedLanes.js';
import { openDatabase } from '../src/persistence/dataSource.js';
import { silentLogger } from '../src/runtime/logger.js';

/**
 * The api bench's baseline: GET /api/v1/queue's queries (queue depth, windows by state, lag, and the ready
 * tasks per lane with the executors' heartbeats for `waitingUnserved`) behind a bare
 * node:http handler, in a process of its own as the api is. `node dist/bench/bareQueueServer.js <database url>`
 * prints `listening <port>`.
 */
const db = await openDatabase({ url: process.argv[2]!, busyTimeoutMs: 15_000, logQueries: false }, withBuiltInTables);
const ledger = new WindowLedger(db, Date.now);
const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({}, 'task_queue'), silentLogger, { owner: 'bench', clock: Date.now });
const processes = new ProcessRegistry(db);
const LOST_AFTER_MS = 30_000; // api.lost_after's default
const server = createServer((_req, res) => {
  const unserved = waitingUnserved({
    readyByLane: () => queue.readyByLane(),
    processes: () => processes.list(Date.now(), LOST_AFTER_MS),
    pools: {},
  });
  void Promise.all([queue.depth(), ledger.counts(), ledger.oldestQueuedSentAt(), unserved]).then(([depth, counts, oldest, waiting]) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        depth,
        windows: counts.byState,
        lagSeconds: oldest === undefined ? 0 : (Date.now() - oldest) / 1000,
        dead: depth.dead,
        waitingUnserved: waiting ?? null,
      }),
    );
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => void db.close().then(() => process.exit(0))));
