import { createHash, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import rhea, { type Connection, type Container, type Delivery, type EventContext, type Receiver, type Sender } from 'rhea';
import { PartitionLog, type StoredEvent } from './PartitionLog.js';

/**
 * A loopback Azure Event Hubs for tests: an AMQP 1.0 server (rhea, plain TCP on 127.0.0.1) speaking the
 * parts of the service's protocol that the real `@azure/event-hubs` SDK uses: CBS put-token (SAS tokens
 * verified against the configured keys), `$management` READ of hub and partition properties, publishing
 * of batch envelopes to the hub or a partition (partition keys hashed), and partition receivers with
 * selector filters, owner levels (a newer epoch closes the older reader with `amqp:link:stolen`) and
 * credit-based, pre-settled delivery. State lives in memory for the server's lifetime.
 */

export interface EventHubServerOptions {
  /** Hub name -> partition count and consumer groups (`$Default` always exists). */
  hubs: Record<string, { partitions: number; consumerGroups?: readonly string[] }>;
  /** SAS policy name -> key. Tokens signed otherwise are refused with 401. */
  keys?: Record<string, string>;
  /** Largest publish (one batch envelope) accepted; advertised on every link the clients send on. */
  maxMessageSize?: number;
  /**
   * A reader whose partition a newer owner level took is left attached but sent nothing more, instead of
   * being detached with `amqp:link:stolen`, until `releaseWithheldSteals()`: the detach that reaches the
   * old owner late (or, in the SDK, only at its pump's next receive), made certain for take-over tests.
   */
  withholdSteals?: boolean;
}

const BATCH_FORMAT = 0x80013700;
const SELECTOR_FILTER = 'apache.org:selector-filter:string';

interface Hub {
  readonly name: string;
  readonly createdAt: Date;
  readonly partitions: PartitionLog[];
  readonly consumerGroups: Set<string>;
  nextRoundRobin: number;
}

interface Reader {
  readonly link: Sender;
  readonly log: PartitionLog;
  readonly epoch: number | undefined;
  cursor: number;
}

export class EventHubServer {
  private readonly container: Container = rhea.create_container({ id: 'latigo-test-eventhub' });
  private readonly hubs = new Map<string, Hub>();
  private readonly readers = new Map<string, Reader[]>();
  private readonly connections = new Set<Connection>();
  private listener: ReturnType<Container['listen']> | undefined;
  private readonly keys: Record<string, string>;
  private readonly maxMessageSize: number;
  private readonly withholdSteals: boolean;
  private readonly withheld: Sender[] = [];
  /** Events appended since start, for tests that count. */
  published = 0;
  /** Events sent to readers since start (an event read twice counts twice). */
  delivered = 0;
  /** Partition receivers accepted since start. */
  attachCount = 0;
  /** See `capDelivery`. */
  private deliveryCap: number | undefined;

  private constructor(
    options: EventHubServerOptions,
    readonly port: number,
  ) {
    this.keys = options.keys ?? { RootManageSharedAccessKey: 'test-key' };
    this.maxMessageSize = options.maxMessageSize ?? 1_048_576;
    this.withholdSteals = options.withholdSteals ?? false;
    for (const [name, hub] of Object.entries(options.hubs)) {
      this.hubs.set(name.toLowerCase(), {
        name,
        createdAt: new Date(),
        nextRoundRobin: 0,
        partitions: Array.from({ length: hub.partitions }, () => new PartitionLog()),
        consumerGroups: new Set(['$default', ...(hub.consumerGroups ?? []).map((g) => g.toLowerCase())]),
      });
    }
  }

  /** Listens on 127.0.0.1 (`port` 0: an ephemeral port, read back from `server.port`). */
  static async start(options: EventHubServerOptions, port = 0): Promise<EventHubServer> {
    const probe = { port };
    const server = new EventHubServer(options, port);
    await server.listen(probe.port);
    return server;
  }

  /** A connection string for `hub` with the SDK's plain-TCP switch, signed with a configured key by default. */
  connectionString(hub: string, keyName = Object.keys(this.keys)[0]!, key = this.keys[keyName] ?? 'wrong'): string {
    return `Endpoint=sb://127.0.0.1:${this.port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};EntityPath=${hub};UseDevelopmentEmulator=true`;
  }

  /** The stored events of a partition (read-only view for assertions). */
  events(hub: string, partitionId: string): readonly StoredEvent[] {
    return this.hubOf(hub).partitions[Number(partitionId)]!.events;
  }

  /** Receivers currently attached to a partition for a consumer group. */
  readerCount(hub: string, consumerGroup: string, partitionId: string): number {
    return this.readers.get(readerKey(hub, consumerGroup, partitionId))?.length ?? 0;
  }

  /**
   * Sends no reader an event past the first `eventsPerPartition` of its partition until `resumeDelivery()`:
   * set before anyone reads, it leaves a backlog in the hub that does not depend on how fast the readers or
   * the machine are (a hold set after watching the readers can come too late on a quiet machine).
   */
  capDelivery(eventsPerPartition: number): void {
    this.deliveryCap = eventsPerPartition;
  }

  resumeDelivery(): void {
    this.deliveryCap = undefined;
    for (const reader of [...this.readers.values()].flat()) this.pump(reader.link);
  }

  /** Readers taken over whose detach is withheld (see `withholdSteals`). */
  get withheldSteals(): number {
    return this.withheld.length;
  }

  /** Detaches the taken-over readers with `amqp:link:stolen`, as the service would have at once. */
  releaseWithheldSteals(): void {
    for (const link of this.withheld.splice(0))
      if (link.is_open()) link.close(stolen('the partition was taken (detach withheld by the test)'));
  }

  /** Closes every client connection with `amqp:connection:forced` (the SDK reconnects). */
  forceCloseConnections(): void {
    for (const connection of this.connections) connection.close({ condition: 'amqp:connection:forced', description: 'closed by the test' });
  }

  /**
   * An outage: drops every connection and stops listening for `ms`, then listens again on the same port
   * with the same events (sequence numbers and offsets keep counting, as the service's do).
   */
  async outage(ms: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.listen(this.port);
  }

  /** Closes every connection and the listener. */
  async stop(): Promise<void> {
    for (const connection of [...this.connections]) destroy(connection);
    this.connections.clear();
    this.readers.clear();
    this.withheld.length = 0;
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  private handlersRegistered = false;

  private async listen(port: number): Promise<void> {
    if (!this.handlersRegistered) this.registerHandlers();
    const listener = this.container.listen({
      host: '127.0.0.1',
      port,
      receiver_options: { max_message_size: this.maxMessageSize, autoaccept: false },
      sender_options: { snd_settle_mode: 1 },
    } as Parameters<Container['listen']>[0]);
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('listening', () => resolve());
      listener.once('error', reject);
    });
    (this as { port: number }).port = (listener.address() as AddressInfo).port;
  }

  private registerHandlers(): void {
    this.handlersRegistered = true;
    const c = this.container;
    // Handlers keep rhea from printing to the console; a broken client only loses its own connection.
    for (const event of ['error', 'protocol_error', 'connection_error']) c.on(event, () => undefined);
    c.on('connection_open', (ctx: EventContext) => {
      this.connections.add(ctx.connection);
    });
    c.on('connection_close', (ctx: EventContext) => this.forget(ctx.connection));
    c.on('disconnected', (ctx: EventContext) => this.forget(ctx.connection));
    c.on('receiver_open', (ctx: EventContext) => this.onClientSender(ctx.receiver!));
    c.on('sender_open', (ctx: EventContext) => this.onClientReceiver(ctx.sender!));
    c.on('sender_close', (ctx: EventContext) => this.dropReader(ctx.sender!));
    c.on('sendable', (ctx: EventContext) => this.pump(ctx.sender!));
    c.on('message', (ctx: EventContext) => this.onMessage(ctx));
  }

  private forget(connection: Connection): void {
    this.connections.delete(connection);
    for (const [key, readers] of this.readers) {
      const kept = readers.filter((r) => r.link.connection !== connection);
      if (kept.length === 0) this.readers.delete(key);
      else this.readers.set(key, kept);
    }
  }

  /** A client sender attached: `$cbs`, `$management`, `<hub>` or `<hub>/Partitions/<id>`. */
  private onClientSender(link: Receiver): void {
    link.set_target(link.target);
    const address = link.target?.address ?? '';
    if (address === '$cbs' || address === '$management') return;
    const refusal = this.checkPublishAddress(address);
    if (refusal) link.close(refusal);
  }

  /** A client receiver attached: a reply link (`$cbs`/`$management`) or a partition reader. */
  private onClientReceiver(link: Sender): void {
    link.set_source(link.source);
    const address = link.source?.address ?? '';
    if (address === '$cbs' || address === '$management') return;
    const match = /^([^/]+)\/ConsumerGroups\/([^/]+)\/Partitions\/([^/]+)$/.exec(address);
    const hub = match ? this.hubs.get(match[1]!.toLowerCase()) : undefined;
    if (!match || !hub || !hub.consumerGroups.has(match[2]!.toLowerCase())) {
      link.close({ condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found.` });
      return;
    }
    const log = hub.partitions[Number(match[3])];
    if (!/^\d+$/.test(match[3]!) || log === undefined) {
      link.close({ condition: 'com.microsoft:argument-out-of-range', description: `partition ${match[3]} does not exist` });
      return;
    }
    const properties =
      (link as unknown as { remote: { attach?: { properties?: Record<string, unknown> } } }).remote.attach?.properties ?? {};
    const rawEpoch = properties['com.microsoft:epoch'];
    const epoch = rawEpoch === undefined || rawEpoch === null ? undefined : Number(rawEpoch);
    const key = readerKey(hub.name, match[2]!, match[3]!);
    const current = this.readers.get(key) ?? [];
    const refusal = epochRefusal(current, epoch);
    if (refusal) {
      link.close({ condition: 'amqp:link:stolen', description: refusal });
      return;
    }
    let cursor: number;
    try {
      cursor = log.startIndex(selectorOf(link.source));
    } catch (err) {
      link.close({ condition: 'amqp:not-implemented', description: (err as Error).message });
      return;
    }
    const survivors: Reader[] = [];
    for (const reader of current) {
      // A newer (or equal) owner level takes the partition: the older reader learns it this way only.
      if (epoch === undefined) survivors.push(reader);
      else if (this.withholdSteals) this.withheld.push(reader.link);
      else reader.link.close(stolen(`receiver with epoch ${epoch} took the partition`));
    }
    const reader: Reader = { link, log, epoch, cursor };
    this.attachCount++;
    this.readers.set(key, [...survivors, reader]);
    this.pump(link);
  }

  private dropReader(link: Sender): void {
    for (const [key, readers] of this.readers) {
      const kept = readers.filter((r) => r.link !== link);
      if (kept.length !== readers.length) {
        if (kept.length === 0) this.readers.delete(key);
        else this.readers.set(key, kept);
      }
    }
  }

  private onMessage(ctx: EventContext): void {
    const link = ctx.receiver!;
    const delivery = ctx.delivery!;
    const address = link.target?.address ?? '';
    if (address === '$cbs') return this.answerCbs(ctx);
    if (address === '$management') return this.answerManagement(ctx);
    this.publish(address, ctx.message, (ctx as { format?: number }).format ?? 0, delivery);
  }

  private publish(address: string, payload: unknown, format: number, delivery: Delivery): void {
    const [hubName, , partitionId] = address.split('/');
    const hub = this.hubs.get(hubName!.toLowerCase());
    if (!hub) {
      delivery.reject({ condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found.` });
      return;
    }
    const size = Buffer.isBuffer(payload) ? payload.length : rhea.message.encode(payload).length;
    if (size > this.maxMessageSize) {
      delivery.reject({
        condition: 'amqp:link:message-size-exceeded',
        description: `The received message (${size} bytes) exceeds the limit (${this.maxMessageSize} bytes).`,
      });
      return;
    }
    let events: { message: Record<string, unknown>; size: number }[];
    let envelope: Record<string, unknown>;
    if (format === BATCH_FORMAT && Buffer.isBuffer(payload)) {
      envelope = rhea.message.decode(payload);
      // One data section per event: a single Buffer for one event, an array for several.
      const content = (envelope.body as { content: Buffer | Buffer[] }).content;
      const buffers = Array.isArray(content) ? content : [content];
      events = buffers.map((b) => ({ message: rhea.message.decode(b), size: b.length }));
    } else {
      envelope = payload as Record<string, unknown>;
      events = [{ message: envelope, size: rhea.message.encode(envelope).length }];
    }
    const partitionKey = (envelope.message_annotations as Record<string, unknown> | undefined)?.['x-opt-partition-key'];
    const index =
      partitionId !== undefined
        ? Number(partitionId)
        : typeof partitionKey === 'string'
          ? hashToPartition(partitionKey, hub.partitions.length)
          : hub.nextRoundRobin++ % hub.partitions.length;
    const log = hub.partitions[index]!;
    log.append(events.map((e) => ({ ...e, ...(typeof partitionKey === 'string' ? { partitionKey } : {}) })));
    this.published += events.length;
    delivery.accept();
    for (const [key, readers] of this.readers) {
      if (key.startsWith(`${hub.name.toLowerCase()}/`)) for (const r of readers) if (r.log === log) this.pump(r.link);
    }
  }

  /** Sends a reader the events from its cursor while it has credit; resumes on `sendable`. */
  private pump(link: Sender): void {
    const reader = [...this.readers.values()].flat().find((r) => r.link === link);
    if (!reader) return;
    const end = Math.min(reader.log.events.length, this.deliveryCap ?? Number.POSITIVE_INFINITY);
    while (reader.cursor < end && link.sendable()) {
      const event = reader.log.events[reader.cursor++]!;
      this.delivered++;
      link.send({
        ...event.message,
        message_annotations: {
          ...(event.message.message_annotations as Record<string, unknown> | undefined),
          'x-opt-sequence-number': rhea.types.wrap_long(event.sequenceNumber),
          'x-opt-offset': event.offset,
          'x-opt-enqueued-time': new Date(event.enqueuedTimeMs),
        },
      } as unknown as rhea.Message);
    }
  }

  private answerCbs(ctx: EventContext): void {
    ctx.delivery!.accept();
    const request = ctx.message!;
    const props = request.application_properties ?? {};
    const audience = String(props.name ?? '');
    const refusal = this.checkToken(String(request.body ?? ''), audience) ?? this.checkAudience(audience);
    this.reply(ctx, refusal ?? { status: 202, description: 'Accepted' });
  }

  private answerManagement(ctx: EventContext): void {
    ctx.delivery!.accept();
    const props = ctx.message!.application_properties ?? {};
    const hub = this.hubs.get(String(props.name ?? '').toLowerCase());
    if (props.operation !== 'READ')
      return this.reply(ctx, { status: 400, condition: 'amqp:not-implemented', description: `operation ${String(props.operation)}` });
    if (!hub)
      return this.reply(ctx, {
        status: 404,
        condition: 'amqp:not-found',
        description: `The messaging entity '${String(props.name)}' could not be found.`,
      });
    if (props.type === 'com.microsoft:eventhub') {
      return this.reply(
        ctx,
        { status: 200, description: 'OK' },
        {
          name: hub.name,
          type: 'com.microsoft:eventhub',
          created_at: hub.createdAt,
          partition_count: hub.partitions.length,
          partition_ids: rhea.types.wrap_array(
            hub.partitions.map((_, i) => String(i)),
            0xa1,
            undefined,
          ),
        },
      );
    }
    const log = hub.partitions[Number(props.partition)];
    if (props.type !== 'com.microsoft:partition' || log === undefined || !/^\d+$/.test(String(props.partition))) {
      return this.reply(ctx, {
        status: 400,
        condition: 'com.microsoft:argument-out-of-range',
        description: `partition ${String(props.partition)}`,
      });
    }
    const last = log.events.at(-1);
    return this.reply(
      ctx,
      { status: 200, description: 'OK' },
      {
        name: hub.name,
        type: 'com.microsoft:partition',
        partition: String(props.partition),
        begin_sequence_number: rhea.types.wrap_long(last ? 0 : -1),
        last_enqueued_sequence_number: rhea.types.wrap_long(last ? last.sequenceNumber : -1),
        last_enqueued_offset: last ? last.offset : '-1',
        last_enqueued_time_utc: new Date(last ? last.enqueuedTimeMs : 0),
        is_partition_empty: last === undefined,
      },
    );
  }

  private reply(ctx: EventContext, status: { status: number; description: string; condition?: string }, body?: unknown): void {
    const request = ctx.message!;
    const replyTo = String(request.reply_to ?? '');
    const sender = ctx.connection.find_sender((s: Sender) => s.name === replyTo || s.target?.address === replyTo);
    sender?.send({
      correlation_id: request.message_id,
      application_properties: {
        'status-code': status.status,
        'status-description': status.description,
        ...(status.condition ? { 'error-condition': status.condition } : {}),
      },
      ...(body === undefined ? {} : { body }),
    } as rhea.Message);
  }

  /** A SAS token signed with a configured key and not expired; else 401. */
  private checkToken(token: string, audience: string): { status: number; condition: string; description: string } | undefined {
    const fields = new URLSearchParams(token.replace(/^SharedAccessSignature /, ''));
    const keyName = fields.get('skn') ?? '';
    const key = this.keys[keyName];
    const expiry = Number(fields.get('se'));
    const resource = fields.get('sr') ?? '';
    const expected =
      key === undefined
        ? undefined
        : createHmac('sha256', key)
            .update(`${encodeURIComponent(resource)}\n${fields.get('se')}`)
            .digest('base64');
    if (expected === undefined || expected !== fields.get('sig') || !(expiry * 1000 > Date.now()) || !audience.startsWith(resource)) {
      return {
        status: 401,
        condition: 'amqp:unauthorized-access',
        description: `Unauthorized access. The token for '${audience}' is not valid.`,
      };
    }
    return undefined;
  }

  /** The hub an audience names must exist. */
  private checkAudience(audience: string): { status: number; condition: string; description: string } | undefined {
    const path = audience.replace(/^sb:\/\/[^/]+\//, '');
    const hubName = path.split('/')[0] ?? '';
    if (this.hubs.has(hubName.toLowerCase())) return undefined;
    return { status: 404, condition: 'amqp:not-found', description: `The messaging entity '${audience}' could not be found.` };
  }

  private checkPublishAddress(address: string): { condition: string; description: string } | undefined {
    const [hubName, segment, partitionId, ...rest] = address.split('/');
    const hub = this.hubs.get((hubName ?? '').toLowerCase());
    if (!hub || rest.length > 0 || (segment !== undefined && segment !== 'Partitions')) {
      return { condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found.` };
    }
    if (partitionId !== undefined && (!/^\d+$/.test(partitionId) || hub.partitions[Number(partitionId)] === undefined)) {
      return { condition: 'com.microsoft:argument-out-of-range', description: `partition ${partitionId} does not exist` };
    }
    return undefined;
  }

  private hubOf(name: string): Hub {
    const hub = this.hubs.get(name.toLowerCase());
    if (!hub) throw new Error(`no hub ${name}`);
    return hub;
  }
}

function stolen(description: string): { condition: string; description: string } {
  return { condition: 'amqp:link:stolen', description };
}

/** Why a receiver with `epoch` may not join `current` (the service's owner-level rules), or undefined. */
function epochRefusal(current: readonly Reader[], epoch: number | undefined): string | undefined {
  const epochs = current.flatMap((r) => (r.epoch === undefined ? [] : [r.epoch]));
  if (epoch === undefined) {
    if (epochs.length > 0) return 'an epoch receiver holds the partition';
    if (current.length >= 5) return 'at most 5 receivers per partition and consumer group';
    return undefined;
  }
  const highest = Math.max(-Infinity, ...epochs);
  return epoch < highest ? `receiver epoch ${epoch} is lower than the current ${highest}` : undefined;
}

function selectorOf(source: unknown): string | undefined {
  const filter = (source as { filter?: Record<string, unknown> } | undefined)?.filter;
  const value = filter?.[SELECTOR_FILTER] as { value?: unknown } | string | undefined;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : String(value.value);
}

function readerKey(hub: string, consumerGroup: string, partitionId: string): string {
  return `${hub.toLowerCase()}/${consumerGroup.toLowerCase()}/${partitionId}`;
}

function hashToPartition(key: string, partitions: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % partitions;
}

/** Drops the connection's socket at once, as a crash or a network cut would. rhea's own abort also stops the
 *  connection's heartbeat timers (destroying the socket alone leaves them running, and the process alive). */
function destroy(connection: Connection): void {
  const c = connection as unknown as { socket?: unknown; abort_socket(socket: unknown): void };
  if (c.socket) c.abort_socket(c.socket);
}
