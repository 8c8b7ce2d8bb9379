/**
 * The events of one partition in arrival order, each finished or not. Finishing events in any order moves
 * the checkpoint only past the contiguous prefix of finished ones: everything before a checkpoint is done,
 * so a new owner resuming after it loses nothing (at-least-once, while several tasks run at once).
 */
export class CheckpointTracker<E> {
  private entries: { readonly event: E; done: boolean }[] = [];
  private head = 0;

  /** Adds the next event of the partition; returns its handle for `finish`. */
  add(event: E): object {
    const entry = { event, done: false };
    this.entries.push(entry);
    return entry;
  }

  /** Marks an event finished; returns the last event of the finished prefix when the prefix grew, else undefined. */
  finish(handle: object): E | undefined {
    (handle as { done: boolean }).done = true;
    let advancedTo: E | undefined;
    while (this.head < this.entries.length && this.entries[this.head]!.done) advancedTo = this.entries[this.head++]!.event;
    // Drop the finished prefix now and then, so a long-running partition does not keep every event.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return advancedTo;
  }

  /** Events added and not yet past the checkpoint (finished ones behind an unfinished one included). */
  get outstanding(): number {
    return this.entries.length - this.head;
  }
}
