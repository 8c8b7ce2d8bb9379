import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { benchEventData } from './liveFeedEvents.js';

/**
 * The live-feed bench's baseline: a bare `ws` server (forked with IPC) that broadcasts the same messages as
 * latigo's feed at the same rate: `{"event": {...}}` frames of the same shape and size, created (and
 * timestamped) here in batches, sent to every client. No database, no subscriptions, no queues.
 */
const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
server.on('listening', () => process.send!({ port: (server.address() as AddressInfo).port }));
let id = 0;

process.on('message', (request: { produce?: { perSecond: number; seconds: number; batch: number } }) => {
  if (request.produce === undefined) return;
  const { perSecond, seconds, batch } = request.produce;
  const total = perSecond * seconds;
  const intervalMs = (batch / perSecond) * 1000;
  const started = Date.now();
  let sent = 0;
  const tick = () => {
    while (sent < total && Date.now() >= started + (sent / batch) * intervalMs) {
      const createdAt = new Date().toISOString();
      for (let i = 0; i < batch; i++) {
        const n = ++id;
        const text = JSON.stringify({
          event: {
            subscription: 'live',
            id: n,
            type: 'prediction',
            project: 'bench',
            model: `model-${n % 50}`,
            createdAt,
            data: benchEventData(n),
          },
        });
        for (const client of server.clients) client.send(text);
      }
      sent += batch;
    }
    if (sent < total) setTimeout(tick, Math.max(0, started + (sent / batch) * intervalMs - Date.now()));
    else process.send!({ lastId: id });
  };
  tick();
});
// Not server.close(callback): that waits for every client to go, and a server still broadcasting to them outlived
// the bench and loaded the machine for the next run.
process.on('SIGTERM', () => {
  for (const client of server.clients) client.terminate();
  process.exit(0);
});
