import WebSocket from 'ws';

/**
 * The live-feed bench's clients, in a process of their own (forked with IPC): `node
 * dist/bench/liveFeedClients.js <url> <latigo|bare> <clients> [token]`. Each client counts the events it
 * receives (each id once) and, for one client in ten, the latency from the event's `createdAt` to its
 * arrival (both read off the frame, see below). Against latigo a client authenticates and subscribes to `*` (and resubscribes with `since`
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
const EVENT_PREFIX = Buffer.from('{"event":');
const ID_KEY = Buffer.from('"id":');
const CREATED_AT_KEY = Buffer.from('"createdAt":"');

/** The unsigned integer after the first `key` in `frame`. */
function numberAfter(frame: Buffer, key: Buffer): number {
  let at = frame.indexOf(key) + key.length;
  let value = 0;
  for (let c = frame[at]!; c >= 48 && c <= 57; c = frame[++at]!) value = value * 10 + (c - 48);
  return value;
}

/** The JSON string (without escapes) after the first `key` in `frame`. */
function stringAfter(frame: Buffer, key: Buffer): string {
  const start = frame.indexOf(key) + key.length;
  return frame.toString('latin1', start, frame.indexOf(34, start));
}

function open(index: number): void {
  const socket = new WebSocket(url!, { perMessageDeflate: false, skipUTF8Validation: true });
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  const subscribe = () => send({ subscribe: { id: 'live', models: '*', ...(last[index]! > 0 ? { since: last[index] } : {}) } });
  socket.on('open', () => {
    if (mode === 'latigo') send({ auth: { Authorization: `Bearer ${token}` } });
    else if (++ready === count) process.send!({ ready });
  });
  socket.on('message', (data) => {
    const frame = data as Buffer;
    if (frame.subarray(0, EVENT_PREFIX.length).equals(EVENT_PREFIX)) {
      // An event: its id (and, for the sampled clients, its createdAt) read off the frame without parsing the
      // whole of it: at 500,000 frames a second the clients' parsing would otherwise cost more CPU than the
      // server under test. Both servers send the same shape (`{"event":{"subscription":...,"id":N,...}}`).
      const id = numberAfter(frame, ID_KEY);
      if (id <= last[index]!) return;
      last[index] = id;
      delivered++;
      const now = Date.now();
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      if (index % SAMPLE_EVERY === 0) latencies.push(now - Date.parse(stringAfter(frame, CREATED_AT_KEY)));
      return;
    }
    const message = JSON.parse(frame.toString('utf8')) as Record<string, Record<string, unknown>>;
    if ('authorized' in message) subscribe();
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
