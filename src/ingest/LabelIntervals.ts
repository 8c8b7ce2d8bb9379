/** A labelled stretch of an imported file: [fromMs, toMs), the label column's value. */
export interface LabelInterval {
  readonly fromMs: number;
  readonly toMs: number;
  readonly label: string;
}

const FALSE = new Set(['', '0', '0.0', 'false', 'f', 'no', 'n', 'normal', 'ok', 'nan', 'null']);

/**
 * Turns a label column (e.g. `anomaly`: 0/1 per row) into intervals: consecutive labelled rows make one
 * interval from the first labelled row's time to the first unlabelled row's time (or 1 ms past the last
 * row). Rows are taken in file order.
 */
export class LabelIntervals {
  private readonly open = new Map<string, { fromMs: number; lastMs: number; label: string }>();
  private readonly closed = new Map<string, LabelInterval[]>();

  add(column: string, timeMs: number, value: string): void {
    const labelled = !FALSE.has(value.trim().toLowerCase());
    const current = this.open.get(column);
    if (!this.closed.has(column)) this.closed.set(column, []);
    if (labelled) {
      const label = /^(1|1\.0|true|t|yes|y)$/i.test(value.trim()) ? column : value.trim();
      if (current === undefined) this.open.set(column, { fromMs: timeMs, lastMs: timeMs, label });
      else current.lastMs = timeMs;
    } else if (current !== undefined) {
      this.closed.get(column)!.push({ fromMs: current.fromMs, toMs: timeMs, label: current.label });
      this.open.delete(column);
    }
  }

  /** Every interval so far, per column (open ones closed 1 ms past their last row). */
  intervals(): Map<string, LabelInterval[]> {
    const result = new Map<string, LabelInterval[]>();
    for (const [column, list] of this.closed) {
      const current = this.open.get(column);
      result.set(
        column,
        current === undefined ? [...list] : [...list, { fromMs: current.fromMs, toMs: current.lastMs + 1, label: current.label }],
      );
    }
    return result;
  }
}
