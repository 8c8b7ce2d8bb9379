import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { waitFor } from './wait.js';

/** A raw WebSocket client of /ws that records every message, for protocol tests. */
export class LiveSocket {
  readonly messages: Record<string, any>[] = [];
  /** When each message arrived (epoch ms), aligned with `messages`. */
  readonly receivedAt: number[] = [];
  closeCode: number | undefined;
  closedAt: number | undefined;
  private pinger: NodeJS.Timeout | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.receivedAt.push(Date.now());
      this.messages.push(JSON.parse((data as Buffer).toString('utf8')) as Record<string, any>);
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.closedAt = Date.now();
      clearInterval(this.pinger);
    });
  }

  /** Opens a connection; with `pingEveryMs`, keeps it alive with `ping` messages. */
  static async open(url: string, pingEveryMs?: number): Promise<LiveSocket> {
    const socket = new WebSocket(url);
    const live = new LiveSocket(socket);
    if (pingEveryMs !== undefined) live.pinger = setInterval(() => live.send({ ping: {} }), pingEveryMs);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return live;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (after `from`) with key `name` matching `where`; waits for it. */
  async next(name: string, where: (body: any) => boolean = () => true, from = 0, timeoutMs = 30_000): Promise<any> {
    let found: any;
    await waitFor(
      () => {
        found = this.messages.slice(from).find((m) => name in m && where(m[name]))?.[name];
        return found !== undefined;
      },
      { timeoutMs, intervalMs: 10, describe: () => `a "${name}" message; got ${JSON.stringify(this.messages.slice(-5)).slice(0, 1500)}` },
    );
    return found;
  }

  async closed(timeoutMs = 30_000): Promise<number> {
    await waitFor(() => this.closeCode !== undefined, { timeoutMs, describe: () => 'the connection to close' });
    return this.closeCode!;
  }

  events(subscription?: string): any[] {
    return this.messages
      .filter((m) => 'event' in m && (subscription === undefined || m.event.subscription === subscription))
      .map((m) => m.event);
  }

  close(): void {
    clearInterval(this.pinger);
    this.socket.terminate();
  }
}

/**
 * A client that authenticates and subscribes over a raw TCP socket and then stops reading: what a stuck
 * dashboard does. `resume()` reads what the server managed to send.
 */
export class StalledSubscriber {
  private received = Buffer.alloc(0);
  private pinger: NodeJS.Timeout | undefined;
  private constructor(private readonly socket: Socket) {}

  static async open(url: string, token: string, subscribe: unknown): Promise<StalledSubscriber> {
    const { hostname, port, pathname } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const subscriber = new StalledSubscriber(socket);
    socket.on('data', (chunk: Buffer) => {
      subscriber.received = Buffer.concat([subscriber.received, chunk]);
    });
    await waitFor(() => subscriber.received.includes('\r\n\r\n'), { timeoutMs: 30_000, describe: () => 'the upgrade response' });
    socket.write(maskedTextFrame(JSON.stringify({ auth: { Authorization: `Bearer ${token}` } })));
    await waitFor(() => subscriber.received.includes('authorized'), { timeoutMs: 30_000, describe: () => 'authorized' });
    socket.write(maskedTextFrame(JSON.stringify({ subscribe })));
    await waitFor(() => subscriber.received.includes('subscribed'), { timeoutMs: 30_000, describe: () => 'subscribed' });
    socket.pause(); // from here on the client reads nothing: the kernel buffers fill, then the server's
    // It still pings (writing needs no reading), so the heartbeat timeout does not end it: only the buffer limit may.
    subscriber.pinger = setInterval(() => socket.write(maskedTextFrame('{"ping":{}}')), 400);
    return subscriber;
  }

  /** Reads again; resolves with everything received once `until` appears in it. */
  async resume(until: string, timeoutMs = 60_000): Promise<string> {
    this.socket.resume();
    await waitFor(() => this.received.includes(until), { timeoutMs, describe: () => `"${until}" in what was received` });
    return this.received.toString('latin1');
  }

  /** The server's text messages received so far (after the upgrade response), parsed. */
  messages(): Record<string, any>[] {
    const start = this.received.indexOf('\r\n\r\n') + 4;
    return decodeServerFrames(this.received.subarray(start)).map((text) => JSON.parse(text) as Record<string, any>);
  }

  close(): void {
    clearInterval(this.pinger);
    this.socket.destroy();
  }
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 65_535) throw new Error('test frames stay small');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([header, mask, masked]);
}

/** The complete text frames in `data` (server frames are unmasked, unfragmented here); a partial tail is left. */
function decodeServerFrames(data: Buffer): string[] {
  const texts: string[] = [];
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = data[at]! & 0x0f;
    let length = data[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (at + 4 > data.length) break;
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (at + 10 > data.length) break;
      length = Number(data.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (at + header + length > data.length) break;
    if (opcode === 0x1) texts.push(data.toString('utf8', at + header, at + header + length));
    at += header + length;
  }
  return texts;
}
