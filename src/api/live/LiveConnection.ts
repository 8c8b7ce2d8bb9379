import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { ApiConfig } from '../../config/sections.js';
import type { EventOutbox } from '../../events/EventOutbox.js';
import type { EventType } from '../../events/eventTypes.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { ApiDeps } from '../ApiDeps.js';
import { authenticate } from '../auth.js';
import { ApiProblem } from '../problem.js';
import { errorMessage, MalformedMessage, parseClientMessage, type ClientMessage } from './messages.js';
import { modelKey, PreparedEvent } from './preparedEvent.js';
import { pullPredictions, pullSensorData } from './pulls.js';

/** Events read per page while a subscription catches up from `since`. */
const CATCH_UP_PAGE = 500;
/** Pulls one connection may have in flight. */
const MAX_PULLS_IN_FLIGHT = 4;
/** Bytes handed to the socket at a time; the rest waits in the connection's queue (bounded by api.ws.max_buffered_bytes). */
const SOCKET_HIGH_WATER = 256 * 1024;

interface Subscription {
  readonly id: string;
  /** Model keys, or undefined for every model ("*"). */
  readonly models: ReadonlySet<string> | undefined;
  readonly modelList: readonly { project: string; model: string }[] | undefined;
  readonly types: ReadonlySet<EventType>;
  /** The newest event id queued for it (or its `since`): later events only, each once. */
  lastId: number;
  /** The newest event id handed to the socket: where it resumes after `lagged`. */
  lastSentId: number;
  /** Reading the outbox from `since`; live events wait in `pending` meanwhile (up to api.ws.max_buffered_bytes). */
  catchingUp: boolean;
  pending: PreparedEvent[];
  pendingBytes: number;
  /** `pending` overflowed and was dropped during the current outbox read: the catch-up reads on. */
  pendingDropped: boolean;
  ended: boolean;
}

export interface ConnectionContext {
  readonly deps: ApiDeps;
  readonly outbox: EventOutbox;
  readonly log: Logger;
  /** The follower's cursor: where a subscription without `since` starts. */
  readonly cursor: () => number;
  readonly closed: (connection: LiveConnection) => void;
}

/**
 * One client of the live feed (`/ws`, issue 15): authentication, heartbeat, subscriptions and pulls, and
 * the per-connection buffer limit. Every message is a JSON object with one key; see README "Live feed".
 */
export class LiveConnection {
  /** Protocol-level pong seen since the last ping (a dead TCP peer never answers). */
  alive = true;
  /** Bytes the kernel had taken at the previous probe. */
  private handedToKernelAtProbe = 0;
  private authorized = false;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly authTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private pullsInFlight = 0;
  private readonly ws: ApiConfig['ws'];
  /** Events waiting for the socket to take them, and their bytes. */
  private queue: { sub: Subscription; id: number; frame: Buffer }[] = [];
  private queuedBytes = 0;
  private waitingForDrain = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Socket,
    private readonly context: ConnectionContext,
  ) {
    this.ws = context.deps.config.api.ws;
    this.authTimer = setTimeout(() => this.refuse('no auth message within api.ws.auth_timeout', 4401), this.ws.authTimeoutMs);
    this.heartbeatTimer = setTimeout(
      () => this.refuse(`no ping within api.ws.heartbeat_timeout (${this.ws.heartbeatTimeoutMs} ms)`, 4408),
      this.ws.heartbeatTimeoutMs,
    );
    socket.on('message', (data, isBinary) => this.received(data as Buffer, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.ended());
    socket.on('error', () => this.ended());
  }

  /** Pushes live events to the subscriptions they match (the follower's pages, in id order). */
  deliver(events: readonly PreparedEvent[]): void {
    if (this.subscriptions.size === 0 || this.socket.readyState !== this.socket.OPEN) return;
    for (const sub of this.subscriptions.values()) {
      for (const e of events) {
        if (sub.ended) break;
        if (e.id <= sub.lastId || !matches(sub, e)) continue;
        if (sub.catchingUp) this.hold(sub, e);
        else this.push(sub, e);
      }
    }
    this.flush();
  }

  /**
   * Protocol-level ping; a peer that did not answer the previous one is dropped, unless the kernel took
   * more of our bytes since: it only does when the peer acknowledges earlier ones, so the peer is alive and
   * reading, just behind (its pong waits behind the events it has not read yet).
   */
  probe(): void {
    const handedToKernel = this.raw.bytesWritten - this.socket.bufferedAmount;
    if (handedToKernel > this.handedToKernelAtProbe) this.alive = true;
    this.handedToKernelAtProbe = handedToKernel;
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  private received(data: Buffer, isBinary: boolean): void {
    if (this.socket.bufferedAmount > SOCKET_HIGH_WATER + this.ws.maxBufferedBytes) {
      // Events never put more than SOCKET_HIGH_WATER in the socket; the rest are answers (pongs, errors,
      // pulls) to a client that writes but never reads, which would pile up without bound: it is dropped.
      this.context.log.warn('live feed client dropped: it sends but does not read its answers', {
        bufferedBytes: this.socket.bufferedAmount,
      });
      this.socket.terminate();
      return;
    }
    if (isBinary) {
      this.send(errorMessage('expected a text message holding JSON', 4400));
      return;
    }
    let message: ClientMessage;
    try {
      message = parseClientMessage(data.toString('utf8'));
    } catch (err) {
      if (err instanceof MalformedMessage) {
        this.send(errorMessage(err.message, 4400));
        return;
      }
      throw err;
    }
    if (!this.authorized && message.name !== 'auth' && message.name !== 'ping') {
      this.refuse(`send auth before ${message.name}`, 4401);
      return;
    }
    switch (message.name) {
      case 'auth':
        return this.authenticate(message.body.Authorization);
      case 'ping':
        this.heartbeatTimer.refresh();
        return this.send(JSON.stringify({ pong: message.body }));
      case 'subscribe':
        return this.subscribe(message.body);
      case 'unsubscribe': {
        const sub = this.subscriptions.get(message.body.id);
        if (sub === undefined) return this.send(errorMessage(`unsubscribe.id: no subscription "${message.body.id}"`, 4400));
        sub.ended = true;
        this.subscriptions.delete(sub.id);
        return this.send(JSON.stringify({ unsubscribed: { id: sub.id } }));
      }
      case 'getPredictions':
        return this.pull(message.body.id, () => pullPredictions(this.context.deps, message.body));
      case 'getSensorData':
        return this.pull(message.body.id, () => pullSensorData(this.context.deps, message.body));
    }
  }

  private authenticate(header: string): void {
    if (this.authorized) return this.send(JSON.stringify({ authorized: {} }));
    try {
      authenticate(header, this.context.deps.config.api.tokens);
    } catch (err) {
      if (err instanceof ApiProblem) return this.refuse('Unauthorized', 4401);
      throw err;
    }
    this.authorized = true;
    clearTimeout(this.authTimer);
    this.send(JSON.stringify({ authorized: {} }));
  }

  private subscribe(body: Extract<ClientMessage, { name: 'subscribe' }>['body']): void {
    if (this.subscriptions.has(body.id))
      return this.send(errorMessage(`subscribe.id: subscription "${body.id}" exists; unsubscribe first`, 4400));
    if (this.subscriptions.size >= this.ws.maxSubscriptions)
      return this.send(errorMessage(`subscribe: at most api.ws.max_subscriptions (${this.ws.maxSubscriptions}) per connection`, 4400));
    const modelList = body.models === '*' ? undefined : body.models;
    const sub: Subscription = {
      id: body.id,
      models: modelList === undefined ? undefined : new Set(modelList.map((m) => modelKey(m.project, m.model))),
      modelList,
      types: new Set(body.events ?? ['window', 'prediction', 'anomaly', 'episode']),
      lastId: body.since ?? this.context.cursor(),
      lastSentId: body.since ?? this.context.cursor(),
      catchingUp: body.since !== undefined,
      pending: [],
      pendingBytes: 0,
      pendingDropped: false,
      ended: false,
    };
    this.subscriptions.set(sub.id, sub);
    this.send(JSON.stringify({ subscribed: { id: sub.id, since: sub.lastId } }));
    if (sub.catchingUp) {
      this.catchUp(sub).catch((err: unknown) => {
        this.context.log.warn('live feed catch-up failed', { subscription: sub.id, error: describeError(err) });
        this.lag(sub);
      });
    }
  }

  /**
   * Sends what the outbox holds after `since`, paced by the client's reading, then the live events held
   * meanwhile. It ends on a short page read while nothing was dropped from `pending`: every event up to the
   * read's start is then sent, and every later one is in `pending` (ids at or below sub.lastId are skipped).
   */
  private async catchUp(sub: Subscription): Promise<void> {
    for (;;) {
      sub.pendingDropped = false;
      const page = await this.context.outbox.readSince(sub.lastId, {
        limit: CATCH_UP_PAGE,
        types: [...sub.types],
        ...(sub.modelList === undefined ? {} : { models: sub.modelList }),
      });
      if (sub.ended) return;
      for (const event of page.events) this.push(sub, new PreparedEvent(event));
      this.flush();
      if (sub.ended) return;
      if (page.events.length < CATCH_UP_PAGE && !sub.pendingDropped) break;
      await this.drained();
      if (sub.ended) return;
    }
    sub.catchingUp = false;
    const pending = sub.pending;
    sub.pending = [];
    sub.pendingBytes = 0;
    for (const e of pending) if (e.id > sub.lastId && !sub.ended) this.push(sub, e);
    this.flush();
  }

  /**
   * Holds a live event for a subscription still catching up. Past api.ws.max_buffered_bytes the held events
   * are dropped instead (they are in the outbox, and the catch-up reads on until it meets the live events),
   * so a client far behind costs the server no more memory than one that keeps up.
   */
  private hold(sub: Subscription, e: PreparedEvent): void {
    if (sub.pendingBytes + e.bytes > this.ws.maxBufferedBytes) {
      sub.pending = [];
      sub.pendingBytes = 0;
      sub.pendingDropped = true;
      return;
    }
    sub.pending.push(e);
    sub.pendingBytes += e.bytes;
  }

  /** Resolves when the connection's queue is down to half the limit (or the connection ended). */
  private async drained(): Promise<void> {
    while (this.queuedBytes > this.ws.maxBufferedBytes / 2 && this.socket.readyState === this.socket.OPEN) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Queues one event for one subscription. Past api.ws.max_buffered_bytes of queued events (a client that
   * does not read), the queue is dropped and every subscription of the connection ends with `lagged`.
   */
  private push(sub: Subscription, e: PreparedEvent): void {
    const frame = e.frame(sub.id);
    if (this.queuedBytes + frame.length > this.ws.maxBufferedBytes) {
      this.flush(); // a client that reads may take part of a large page at once
      if (this.queuedBytes + frame.length > this.ws.maxBufferedBytes) return this.overflow();
    }
    this.queue.push({ sub, id: e.id, frame });
    this.queuedBytes += frame.length;
    sub.lastId = e.id;
  }

  /**
   * Hands queued events to the socket while it holds less than SOCKET_HIGH_WATER (ws's bufferedAmount counts
   * the TCP socket's own write buffer too); the rest follows on 'drain'.
   */
  private flush(): void {
    if (this.queue.length === 0 || this.waitingForDrain || this.socket.readyState !== this.socket.OPEN) return;
    let sent = 0;
    this.raw.cork();
    while (sent < this.queue.length && this.socket.bufferedAmount < SOCKET_HIGH_WATER) {
      const item = this.queue[sent++]!;
      this.socket.send(item.frame, { binary: false }); // a Buffer would go as a binary frame; the feed is JSON text
      this.queuedBytes -= item.frame.length;
      item.sub.lastSentId = item.id;
    }
    this.raw.uncork();
    this.queue = sent === this.queue.length ? [] : this.queue.slice(sent);
    if (this.queue.length > 0) {
      this.waitingForDrain = true;
      this.raw.once('drain', () => {
        this.waitingForDrain = false;
        this.flush();
      });
    }
  }

  /** The client fell behind: its queued events are dropped; each subscription ends with `lagged` and resumes with `since`. */
  private overflow(): void {
    this.queue = [];
    this.queuedBytes = 0;
    for (const sub of [...this.subscriptions.values()]) this.lag(sub);
  }

  /** Ends `sub` with `lagged`: the client resumes from the last event handed to the socket. */
  private lag(sub: Subscription): void {
    if (sub.ended) return;
    sub.ended = true;
    sub.pending = [];
    sub.pendingBytes = 0;
    this.subscriptions.delete(sub.id);
    this.queue = this.queue.filter((item) => item.sub !== sub);
    this.queuedBytes = this.queue.reduce((n, item) => n + item.frame.length, 0);
    this.send(JSON.stringify({ lagged: { subscription: sub.id, since: sub.lastSentId } }));
  }

  private pull(id: string | undefined, answer: () => Promise<string>): void {
    if (this.pullsInFlight >= MAX_PULLS_IN_FLIGHT) {
      return this.send(errorMessage(`at most ${MAX_PULLS_IN_FLIGHT} pulls in flight per connection`, 4429, id));
    }
    this.pullsInFlight++;
    void answer()
      .then((text) => this.send(text))
      .catch((err: unknown) => {
        if (err instanceof ApiProblem) return this.send(errorMessage(err.detail, 4000 + err.status, id));
        this.context.log.error('live feed pull failed', { error: describeError(err) });
        this.send(errorMessage('the pull failed; see the api log', 4500, id));
      })
      // A pull counts as in flight until its answer has left the process, so a client that pulls without
      // reading holds at most MAX_PULLS_IN_FLIGHT answers here.
      .then(() => this.socketDrained())
      .finally(() => this.pullsInFlight--);
  }

  /** Resolves when the socket holds less than SOCKET_HIGH_WATER (or the connection ended). */
  private async socketDrained(): Promise<void> {
    while (this.socket.readyState === this.socket.OPEN && this.socket.bufferedAmount >= SOCKET_HIGH_WATER) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Says why and closes with `code`. */
  private refuse(message: string, code: number): void {
    this.send(errorMessage(message, code));
    this.socket.close(code, message.slice(0, 100));
  }

  private send(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  private ended(): void {
    clearTimeout(this.authTimer);
    clearTimeout(this.heartbeatTimer);
    for (const sub of this.subscriptions.values()) sub.ended = true;
    this.subscriptions.clear();
    this.queue = [];
    this.queuedBytes = 0;
    this.context.closed(this);
  }
}

function matches(sub: Subscription, e: PreparedEvent): boolean {
  return sub.types.has(e.event.type) && (sub.models === undefined || sub.models.has(e.modelKey));
}
