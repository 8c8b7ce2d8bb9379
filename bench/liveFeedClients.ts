import WebSocket from 'ws';

/**
 * The live-feed bench's clients, in a process of their own (forked with IPC): `node
 * dist/bench/liveFeedClients.js <url> <latigo|bare> <clients> [token]`. Each client counts the events it
 * receives (each id once) and, for one client in ten, the latency from the event's `createdAt` to its
 * arrival. Against latigo a client authenticates and subscribes to `*` (and resubscribes with `since`
 * after `lagged`); against the bare ws server it just listens. The same parsing either way.
 */
const [url, mode, countText, token] = process.argv.slice(2);
const count = Number(countText);
const SAMPLE_EVERY = 10;
const last = new Array<number>(count).fill(0);
let delivered = 0;
let lagged = 0;
let ready = 0;
let firstAt = 0;
let lastAt = 0;
const latencies: number[] = [];

function open(index: number): void {
  const socket = new WebSocket(url!, { perMessageDeflate: false, skipUTF8Validation: true });
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  const subscribe = () => send({ subscribe: { id: 'live', models: '*', ...(last[index]! > 0 ? { since: last[index] } : {}) } });
  socket.on('open', () => {
    if (mode === 'latigo') send({ auth: { Authorization: `Bearer ${token}` } });
    else if (++ready === count) process.send!({ ready });
  });
  socket.on('message', (data) => {
    const message = JSON.parse((data as Buffer).toString('utf8')) as Record<string, Record<string, unknown>>;
    const event = message.event;
    if (event !== undefined) {
      const id = event.id as number;
      if (id <= last[index]!) return;
      last[index] = id;
      delivered++;
      const now = Date.now();
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      if (index % SAMPLE_EVERY === 0) latencies.push(now - Date.parse(event.createdAt as string));
    } else if ('authorized' in message) subscribe();
    else if ('subscribed' in message) {
      if (++ready === count) process.send!({ ready });
    } else if ('lagged' in message) {
      lagged++;
      subscribe();
    }
  });
  socket.on('error', (err) => process.stderr.write(`client ${index}: ${err.message}\n`));
}

// A few at a time, so the listen backlog never overflows.
for (let i = 0; i < count; i++) {
  open(i);
  if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20));
}
process.on('message', (request: { stats?: boolean }) => {
  if (request.stats) process.send!({ delivered, lagged, latencies, firstAt, lastAt, minLastId: Math.min(...last) });
});
