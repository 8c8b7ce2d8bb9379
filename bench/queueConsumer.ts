import { openConsumer, type ContenderName } from './queueContenders.js';

/**
 * One consumer process of the queue-postgres suite (forked by queuePostgres.ts):
 * `queueConsumer <latigo|pg-boss> <url> <queue> <batch> <owner>`. Tells the parent `ready` once connected,
 * `acked` after every settled batch, and on `stop` closes and reports the CPU time it used since `ready` and its peak RSS.
 */
export type ToParent =
  { type: 'ready' } | { type: 'acked'; n: number } | { type: 'done'; cpuMs: number; maxRssMb: number } | { type: 'failed'; error: string };

const [name, url, queue, batch, owner] = process.argv.slice(2) as [ContenderName, string, string, string, string];
const tell = (message: ToParent) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

let stopping = false;
process.on('message', (message: { type?: string }) => {
  if (message.type === 'stop') stopping = true;
});

try {
  const consumer = await openConsumer(name, { url, queue }, owner);
  await tell({ type: 'ready' });
  const cpuAtReady = process.cpuUsage(); // from here on: the run's work, not module loading and connecting
  while (!stopping) {
    const n = await consumer.take(Number(batch));
    if (n > 0) process.send!({ type: 'acked', n } satisfies ToParent);
  }
  await consumer.close();
  const cpu = process.cpuUsage(cpuAtReady);
  await tell({ type: 'done', cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 });
  process.disconnect();
} catch (err) {
  await tell({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
