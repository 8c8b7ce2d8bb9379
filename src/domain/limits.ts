/**
 * Input bounds that come from the database: a name longer than its column overflows `varchar(n)` on
 * PostgreSQL (SQLite would store it), and one such name used to fail every scheduler pass. Checked where
 * names enter: configuration, model listings and queue messages. The migrations' varchar widths are the
 * source; a migration that widens a column changes the constant here.
 */

/** project, model and revision: prediction_window, the embedded registry and store (varchar(200)). */
export const MAX_NAME_LENGTH = 200;

/** Process names (executor, scheduler): task_run.executor, queue_message.lease_owner, prediction_window.runner,
 *  scheduler_state.name (varchar(100)). */
export const MAX_PROCESS_NAME_LENGTH = 100;

/** A task message is about 250 characters; anything this long is not one, and is refused before parsing. */
export const MAX_MESSAGE_LENGTH = 16 * 1024;

/** Why `value` cannot be stored as a name of `limit` characters, or undefined when it can. Never quotes the value. */
export function nameLengthProblem(value: string, limit: number): string | undefined {
  if (value.length <= limit) return undefined;
  return `${value.length.toLocaleString('en-US')} characters long; names are limited to ${limit} (the width of the database columns that hold them)`;
}
