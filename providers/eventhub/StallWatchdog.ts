/** What the watchdog reads and does; the queue supplies it. */
export interface StallWatchdogTarget {
  /** True while any owned partition is being read. */
  reading(): boolean;
  /** Receive errors reported so far (only a change matters). */
  receiveErrors(): number;
  /** Closes the consumer and subscribes again with a new one. */
  reconnect(stalledMs: number): Promise<void>;
}

/**
 * After a long outage the SDK's pumps stop (their retries exhausted) and its load-balancing loop, whose
 * management read ignores our retry options, may sleep 30 s or more before claiming partitions again.
 * When this executor has read no partition since receive errors for longer than an ownership expiry (plus
 * two loops), the watchdog reconnects with a new consumer, which claims the partitions from the checkpoints.
 */
export class StallWatchdog {
  /** Since when no partition has been read after receive errors. */
  private stalledSince: number | undefined;
  private errorsWhileReading = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: StallWatchdogTarget,
    private readonly limits: { ownershipExpirationMs: number; updateIntervalMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks every load-balancing loop until stopped. Idempotent. */
  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.limits.updateIntervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<void> {
    const reading = this.target.reading();
    const errors = this.target.receiveErrors();
    if (reading || errors === this.errorsWhileReading) {
      if (reading) this.errorsWhileReading = errors;
      this.stalledSince = undefined;
      return;
    }
    const now = this.now();
    this.stalledSince ??= now;
    const { ownershipExpirationMs, updateIntervalMs } = this.limits;
    if (now - this.stalledSince < ownershipExpirationMs + 2 * updateIntervalMs) return;
    const stalledMs = now - this.stalledSince;
    this.stalledSince = undefined;
    this.errorsWhileReading = errors;
    await this.target.reconnect(stalledMs);
  }
}
