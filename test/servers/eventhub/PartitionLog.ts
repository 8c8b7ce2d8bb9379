/** One stored event of a partition: the client's own AMQP message plus the service's positions. */
export interface StoredEvent {
  readonly sequenceNumber: number;
  /** Cumulative encoded bytes before this event: a numeric string that differs from the sequence number on
   *  purpose, so a client that mixes the two up reads the wrong events and fails its tests. */
  readonly offset: string;
  readonly enqueuedTimeMs: number;
  /** The decoded AMQP message as the producer sent it (one data section of the batch envelope). */
  readonly message: Record<string, unknown>;
  readonly partitionKey?: string;
}

/** The append-only event log of one partition. */
export class PartitionLog {
  readonly events: StoredEvent[] = [];
  private nextOffset = 0n;
  private lastEnqueuedMs = 0;

  append(messages: readonly { message: Record<string, unknown>; size: number; partitionKey?: string }[]): void {
    // Enqueue times never decrease, even if the wall clock steps back.
    this.lastEnqueuedMs = Math.max(this.lastEnqueuedMs, Date.now());
    for (const { message, size, partitionKey } of messages) {
      this.events.push({
        sequenceNumber: this.events.length,
        offset: String(this.nextOffset),
        enqueuedTimeMs: this.lastEnqueuedMs,
        message,
        ...(partitionKey === undefined ? {} : { partitionKey }),
      });
      this.nextOffset += BigInt(size);
    }
  }

  /**
   * The index of the first event a receiver with `filter` (the selector expression the SDK sends) reads.
   * Positions are compared numerically, as the service does ('10' > '9'); `@latest` is the current end.
   * Throws for an expression this server does not understand.
   */
  startIndex(filter: string | undefined): number {
    if (filter === undefined) return this.events.length;
    const match = /^amqp\.annotation\.x-opt-(offset|sequence-number|enqueued-time)\s*(>=|>)\s*'([^']*)'$/.exec(filter.trim());
    if (match === null) throw new Error(`unsupported filter expression: ${filter}`);
    const [, field, operator, value] = match as unknown as [string, string, string, string];
    const inclusive = operator === '>=';
    if (field === 'offset' && value === '@latest') return this.events.length;
    const bound = BigInt(value);
    const position = (event: StoredEvent): bigint =>
      field === 'offset' ? BigInt(event.offset) : field === 'sequence-number' ? BigInt(event.sequenceNumber) : BigInt(event.enqueuedTimeMs);
    const index = this.events.findIndex((event) => (inclusive ? position(event) >= bound : position(event) > bound));
    return index === -1 ? this.events.length : index;
  }
}
