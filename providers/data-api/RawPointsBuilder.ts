import type { RawPoints } from '../../src/domain/resample.js';

/** Grows typed columns of raw points as pages arrive, for `resample` (no object per point). */
export class RawPointsBuilder implements RawPoints {
  length = 0;
  column = new Int32Array(1024);
  timeMs = new Float64Array(1024);
  value = new Float64Array(1024);

  push(column: number, timeMs: number, value: number): void {
    if (this.length === this.column.length) this.grow();
    this.column[this.length] = column;
    this.timeMs[this.length] = timeMs;
    this.value[this.length] = value;
    this.length++;
  }

  private grow(): void {
    const size = this.column.length * 2;
    const column = new Int32Array(size);
    column.set(this.column);
    const timeMs = new Float64Array(size);
    timeMs.set(this.timeMs);
    const value = new Float64Array(size);
    value.set(this.value);
    Object.assign(this, { column, timeMs, value });
  }
}

/** Runs `work` on every item with at most `parallelism` in flight; rejects with the first failure. */
export async function forEachParallel<T>(items: readonly T[], parallelism: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, worker));
}
