/**
 * Holds calls until the test lets them through, and measures how many were held at once: the way to
 * observe an executor's concurrency and its shutdown behaviour without timing guesses.
 */
export class Gate {
  /** Calls inside the gate now. */
  inside = 0;
  /** Most calls ever inside at the same time. */
  maxInside = 0;
  /** Calls that have entered, ever. */
  entered = 0;
  private opened = false;
  private readonly waiting: (() => void)[] = [];
  private readonly arrivals: { count: number; resolve: () => void }[] = [];

  /**
   * Waits until the gate is opened, then runs `work`. With `honourSignal` a fired signal rejects the
   * wait with its reason; without it the call ignores cancellation, as a misbehaving provider would.
   */
  async pass<T>(work: () => Promise<T>, options: { signal?: AbortSignal; honourSignal?: boolean } = {}): Promise<T> {
    this.inside++;
    this.entered++;
    this.maxInside = Math.max(this.maxInside, this.inside);
    for (const a of this.arrivals.filter((x) => this.entered >= x.count)) {
      this.arrivals.splice(this.arrivals.indexOf(a), 1);
      a.resolve();
    }
    try {
      if (!this.opened) await this.held(options.honourSignal ? options.signal : undefined);
      return await work();
    } finally {
      this.inside--;
    }
  }

  /** Lets every held and future call through. */
  open(): void {
    this.opened = true;
    for (const release of this.waiting.splice(0)) release();
  }

  /** Lets the oldest held call through; the gate stays closed for the others. */
  releaseOne(): void {
    this.waiting.shift()?.();
  }

  /** Resolves once `count` calls have entered in total. */
  untilEntered(count: number): Promise<void> {
    if (this.entered >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push({ count, resolve }));
  }

  private held(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const release = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(release), 1);
        reject(signal?.reason);
      };
      this.waiting.push(release);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
