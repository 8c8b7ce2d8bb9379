/** The most items one write takes; more wait for the next. */
const MAX_BATCH = 500;

/**
 * Coalesces writes (a group commit): items added while a write runs go together in the next one, so many
 * small concurrent writers (one per finished delivery) cost one transaction per round instead of one each.
 * Each `add` settles when the write holding its item did: resolved once committed, rejected with its error.
 */
export class WriteBatcher<T> {
  private queue: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly write: (items: readonly T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.write(batch.map((b) => b.item));
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
