import type { ModelDescription } from '../domain/ModelDescription.js';
import type { TimeRange } from '../domain/TimeRange.js';

/** The largest sensor frame one task may read: rows of the padded window at the model's resolution, and tags. */
export interface FrameLimits {
  /** `executor.max_window_rows` */
  readonly maxWindowRows: number;
  /** `executor.max_model_tags` */
  readonly maxModelTags: number;
}

/**
 * Why the frame a task would read is too large to run, or undefined. Checked before any data is read: the
 * resampled frame is a dense grid (rows x tags), so a window of 1970-2100 at one minute (68 million rows)
 * would allocate gigabytes and run for minutes before any deadline could stop it. A limit is a property
 * of the model and window, so the task fails for good (permanent), naming the key that bounds it.
 */
export function frameBoundsProblem(model: ModelDescription, range: TimeRange, limits: FrameLimits): string | undefined {
  const rows = Math.ceil((range.toMs - range.fromMs) / model.resolutionMs);
  const tags = model.inputTags.length;
  const name = `${model.project}/${model.name}`;
  if (rows > limits.maxWindowRows) {
    return (
      `window of ${name} spans ${rows.toLocaleString('en-US')} rows at ${model.resolutionMs} ms resolution ` +
      `(${new Date(range.fromMs).toISOString()} to ${new Date(range.toMs).toISOString()}, padding included); ` +
      `executor.max_window_rows allows ${limits.maxWindowRows.toLocaleString('en-US')}`
    );
  }
  if (tags > limits.maxModelTags) {
    return `model ${name} has ${tags.toLocaleString('en-US')} input tags; executor.max_model_tags allows ${limits.maxModelTags.toLocaleString('en-US')}`;
  }
  return undefined;
}
