import { DateTime, IANAZone } from 'luxon';
import { ConfigError } from '../runtime/errors.js';

/**
 * Reads `scheduler.start_time` in `scheduler.time_zone`: a local time (2020-01-01T00:00:00) or an instant
 * with an offset (then only the instant counts). Throws ConfigError naming the key that cannot be read.
 */
export function parseStartTime(startTime: string, timeZone: string): DateTime {
  const zone = IANAZone.isValidZone(timeZone) ? IANAZone.create(timeZone) : undefined;
  if (zone === undefined) {
    throw new ConfigError('scheduler.time_zone', `expected an IANA time zone such as UTC or Europe/Oslo, got "${timeZone}"`);
  }
  const start = DateTime.fromISO(startTime, { zone });
  if (!start.isValid) {
    throw new ConfigError(
      'scheduler.start_time',
      `expected an ISO 8601 local time such as 2020-01-01T00:00:00 (read in scheduler.time_zone) or an instant with an offset ` +
        `such as 2020-01-01T00:00:00Z, got "${startTime}" (${start.invalidExplanation ?? start.invalidReason ?? 'unreadable'})`,
    );
  }
  return start;
}
