import type { RawPoints } from './resample.js';

/** Grows typed columns of raw points as they arrive (pages, query rows), for `resample` (no object per point). */
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
