import type { PartitionContext, ReceivedEventData } from '@azure/event-hubs';
import { CheckpointTracker } from './CheckpointTracker.js';
import { toProviderError } from './errors.js';

/**
 * A partition this executor reads, from the SDK's processInitialize until processClose (or until another
 * executor takes it over): its events in order, the checkpoint writer and the backpressure on its pump.
 */
export class OwnedPartition {
  /** False once the partition was taken over or closed: its leases are lost, its buffered events dropped. */
  open = true;
  /** True once the checkpoint store showed another executor's claim (the pump is then stopped too). */
  lost = false;
  /** When (performance.now()) the SDK handed the partition to us: ownership read before is older news. */
  readonly openedAt = performance.now();
  private readonly tracker = new CheckpointTracker<ReceivedEventData>();
  private readonly roomWaiters: (() => void)[] = [];
  private checkpointTarget: ReceivedEventData | undefined;
  private checkpointWritten: ReceivedEventData | undefined;
  private writing: Promise<void> | undefined;

  /** `onWrite` is told of each checkpoint write, its duration and error, for stats and metrics. */
  constructor(
    readonly context: PartitionContext,
    private readonly maxUnfinished: number,
    private readonly onWrite: (durationMs: number, err?: unknown) => void,
  ) {}

  get id(): string {
    return this.context.partitionId;
  }

  /** Events received and not yet behind the checkpoint. */
  get unfinished(): number {
    return this.tracker.outstanding;
  }

  /** The next event of the partition; returns its handle for `finish`. */
  add(event: ReceivedEventData): object {
    return this.tracker.add(event);
  }

  /**
   * Marks an event finished and, when the finished prefix grew, moves the checkpoint past it; resolves once
   * a checkpoint covering the event is written. One writer per partition: acks finishing together share a
   * write, and the checkpoint never moves back. A failed write rejects (ProviderError) and is retried by the
   * next finish or `flush`.
   */
  async finish(handle: object): Promise<void> {
    const advancedTo = this.tracker.finish(handle);
    if (this.tracker.outstanding < this.maxUnfinished) this.wake();
    if (advancedTo === undefined || !this.open) return;
    this.checkpointTarget = advancedTo;
    this.writing ??= this.writeCheckpoints();
    await this.writing;
  }

  /** Resolves when the partition may take more events (fewer than the maximum unfinished), or it closed. */
  async waitForRoom(closing: () => boolean): Promise<void> {
    while (this.open && !closing() && this.tracker.outstanding >= this.maxUnfinished) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Stops the partition: leases lost, the waiting pump released. */
  close(): void {
    this.open = false;
    this.wake();
  }

  /** Another executor claimed the partition: closed, and its pump is to stop. */
  lose(): void {
    this.lost = true;
    this.close();
  }

  /** Releases a pump waiting for room (e.g. at shutdown). */
  wake(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /** Writes the checkpoint if a write failed or is in progress, and waits for it (errors are the acks' to report). */
  async flush(): Promise<void> {
    if (this.open && this.checkpointTarget !== this.checkpointWritten) this.writing ??= this.writeCheckpoints();
    await this.writing?.catch(() => undefined);
  }

  private async writeCheckpoints(): Promise<void> {
    try {
      while (this.checkpointTarget !== this.checkpointWritten) {
        const target = this.checkpointTarget!;
        const t0 = performance.now();
        try {
          await this.context.updateCheckpoint(target);
        } catch (err) {
          this.onWrite(performance.now() - t0, err);
          throw toProviderError(err, 'eventhub.updateCheckpoint');
        }
        this.onWrite(performance.now() - t0);
        this.checkpointWritten = target;
      }
    } finally {
      this.writing = undefined;
    }
  }
}
