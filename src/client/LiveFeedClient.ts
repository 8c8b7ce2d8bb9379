import WebSocket from 'ws';
import type { EventData, EventType } from '../events/eventTypes.js';

/** One event as the live feed sends it. */
export type LiveEvent = {
  [T in EventType]: {
    readonly subscription: string;
    readonly id: number;
    readonly type: T;
    readonly project: string;
    readonly model: string;
    readonly revision?: string;
    /** When the event was appended, ISO 8601 UTC. */
    readonly createdAt: string;
    readonly data: EventData[T];
  };
}[EventType];

export interface LiveFeedClientOptions {
  /** The feed's address, e.g. `ws://127.0.0.1:8080/ws`. */
  readonly url: string;
  /** A token of `api.tokens` (any text when the API has none). */
  readonly token?: string;
  /** Models to follow (default every model: `*`) and event types (default all). */
  readonly models?: '*' | readonly { project: string; model: string }[];
  readonly events?: readonly EventType[];
  /** Resume after this event id (e.g. the `lastId` of an earlier client); default: from now on. */
  readonly since?: number;
  /** How often the client pings (keep it below the server's api.ws.heartbeat_timeout). Default 20 s. */
  readonly heartbeatMs?: number;
  /** Reconnect after a lost connection, resuming after the last event seen. Default true. */
  readonly reconnect?: boolean;
  /** First reconnect delay; doubles per failed attempt up to 30 s. Default 500 ms. */
  readonly reconnectMinMs?: number;
  /** Told of each (re)connection problem; the client keeps trying unless the server refused the token. */
  readonly onError?: (err: Error) => void;
}

/** The server refused the token (close code 4401): the client stops. */
export class LiveFeedUnauthorized extends Error {
  override readonly name = 'LiveFeedUnauthorized';
}

const SUBSCRIPTION = 'live';

/**
 * A client of latigo's live feed (`/ws`): authenticates, pings, subscribes, and on a lost connection or
 * a `lagged` notice resubscribes with `since` = the last event id it yielded, so the events it yields
 * have no gap and no duplicate. Iterate it (`for await (const e of client)`); `close()` ends it.
 * `request` sends a pull (getPredictions, getSensorData) and resolves with its answer.
 */
export class LiveFeedClient implements AsyncIterable<LiveEvent> {
  /** The newest event id yielded (or `since`); a new client given it resumes exactly there. */
  lastId: number | undefined;
  /** The newest event id received (yielded or waiting in the queue): where a resubscription resumes. */
  private receivedId: number | undefined;
  private socket: WebSocket | undefined;
  private readonly queue: LiveEvent[] = [];
  private waiting: ((result: IteratorResult<LiveEvent>) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private attempts = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private requests = 0;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readyResolve: (() => void) | undefined;
  private readyReject: ((err: Error) => void) | undefined;

  private constructor(private readonly options: LiveFeedClientOptions) {
    this.lastId = options.since;
    this.receivedId = options.since;
  }

  /** Connects, authenticates and subscribes; resolves once subscribed, rejects if the first attempt fails. */
  static async connect(options: LiveFeedClientOptions): Promise<LiveFeedClient> {
    const client = new LiveFeedClient(options);
    await new Promise<void>((resolve, reject) => {
      client.readyResolve = resolve;
      client.readyReject = reject;
      client.open();
    });
    return client;
  }

  /** Sends a pull and resolves with the answer's body (`predictions`, `sensorData`); rejects with the server's error. */
  request<T = Record<string, unknown>>(name: 'getPredictions' | 'getSensorData', body: Record<string, unknown>): Promise<T> {
    const id = `r${++this.requests}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ [name]: { ...body, id } });
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    return {
      next: () => {
        const event = this.queue.shift();
        if (event !== undefined) {
          this.lastId = event.id;
          return Promise.resolve({ value: event, done: false });
        }
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = (result) => (this.failure !== undefined && result.done === true ? reject(this.failure) : resolve(result));
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Ends the connection and the iteration. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retryTimer);
    this.socket?.close(1000);
    this.finish();
  }

  private open(): void {
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.on('open', () => {
      this.send({ auth: { Authorization: `Bearer ${this.options.token ?? ''}` } });
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({ ping: {} }), this.options.heartbeatMs ?? 20_000);
    });
    socket.on('message', (data) => this.received(JSON.parse((data as Buffer).toString('utf8')) as Record<string, Record<string, unknown>>));
    socket.on('error', (err) => this.options.onError?.(err));
    socket.on('close', (code, reason) => this.lost(socket, code, String(reason)));
  }

  private received(message: Record<string, Record<string, unknown>>): void {
    if (this.closed) return; // what arrives after close() is not yielded, so it must not count as seen
    const [name] = Object.keys(message);
    const body = message[name!]!;
    switch (name) {
      case 'authorized':
        this.subscribe();
        return;
      case 'subscribed':
        // A subscription "from now on" says where now is: a resubscription (after `lagged` or a lost
        // connection) resumes there even if no event came in between.
        if (this.receivedId === undefined && typeof body.since === 'number') this.lastId = this.receivedId = body.since;
        this.attempts = 0;
        this.readyResolve?.();
        this.readyResolve = this.readyReject = undefined;
        return;
      case 'event': {
        const event = body as unknown as LiveEvent;
        if (this.receivedId !== undefined && event.id <= this.receivedId) return;
        this.receivedId = event.id;
        if (this.waiting !== undefined) {
          const waiting = this.waiting;
          this.waiting = undefined;
          this.lastId = event.id;
          waiting({ value: event, done: false });
        } else this.queue.push(event);
        return;
      }
      case 'lagged':
        this.subscribe(); // resume after the last event yielded
        return;
      case 'predictions':
      case 'sensorData':
      case 'error': {
        const id = typeof body.id === 'string' ? body.id : undefined;
        const request = id === undefined ? undefined : this.pending.get(id);
        if (request !== undefined) {
          this.pending.delete(id!);
          if (name === 'error') request.reject(new Error(`${String(body.message)} (${String(body.code)})`));
          else request.resolve(body);
        } else if (name === 'error') this.options.onError?.(new Error(`${String(body.message)} (${String(body.code)})`));
        return;
      }
    }
  }

  private subscribe(): void {
    this.send({
      subscribe: {
        id: SUBSCRIPTION,
        models: this.options.models ?? '*',
        ...(this.options.events === undefined ? {} : { events: this.options.events }),
        ...(this.receivedId === undefined ? {} : { since: this.receivedId }),
      },
    });
  }

  private lost(socket: WebSocket, code: number, reason: string): void {
    if (this.socket !== socket) return;
    clearInterval(this.heartbeat);
    for (const request of this.pending.values()) request.reject(new Error(`the connection closed (${code}) before the answer`));
    this.pending.clear();
    if (this.closed) return;
    if (code === 4401) return this.fail(new LiveFeedUnauthorized(`the live feed refused the token: ${reason || 'Unauthorized'}`));
    const err = new Error(`the live feed connection closed (${code}${reason ? `: ${reason}` : ''})`);
    if (this.readyReject !== undefined || this.options.reconnect === false) return this.fail(err);
    this.options.onError?.(err);
    const delayMs = Math.min(30_000, (this.options.reconnectMinMs ?? 500) * 2 ** this.attempts++);
    this.retryTimer = setTimeout(() => this.open(), delayMs);
  }

  private fail(err: Error): void {
    this.failure = err;
    this.readyReject?.(err);
    this.readyResolve = this.readyReject = undefined;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.finish();
  }

  private finish(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
