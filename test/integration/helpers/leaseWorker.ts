/**
 * One process of the lease race (queueLeaseRace.test.ts): opens the shared SQLite file, says `ready`, waits
 * for `go` on stdin (so every process starts leasing at once), then leases and acks until the queue is empty
 * and prints `{ leased, unsettled }` as one JSON line.
 *
 * Usage: node --import <tsx loader> leaseWorker.ts <database path> <owner> <messages per receive>
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseEmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../../../providers/database-queue/DatabaseTaskQueue.js';
import { openDatabase } from '../../../src/persistence/dataSource.js';
import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { silentLogger } from '../../../src/runtime/logger.js';

const [path, owner, batch] = process.argv.slice(2);
if (path === undefined || owner === undefined || batch === undefined)
  throw new Error('usage: leaseWorker.ts <database path> <owner> <messages per receive>');

const db = await openDatabase({ url: `sqlite:${path}`, busyTimeoutMs: 15_000, logQueries: false }, withBuiltInTables);
// A lease far longer than the test: a message delivered twice is then a double lease, never a legitimate redelivery.
const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({ visibility_timeout: '1h' }, 'task_queue'), silentLogger, {
  owner,
  clock: Date.now,
});

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
const [go] = (await once(lines, 'line')) as [string];
if (go !== 'go') throw new Error(`expected "go", got ${JSON.stringify(go)}`);

const leased: string[] = [];
const unsettled: string[] = [];
for (;;) {
  const messages = await queue.receive({ maxMessages: Number(batch) });
  if (messages.length === 0) break; // nothing is ever handed back, so an empty lease means the queue is drained
  for (const message of messages) {
    leased.push(message.id);
    if (!(await queue.ack(message)).settled) unsettled.push(message.id);
  }
}
lines.close();
await db.close();
process.stdout.write(`${JSON.stringify({ leased, unsettled })}\n`);
