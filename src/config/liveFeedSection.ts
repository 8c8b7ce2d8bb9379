import { z } from 'zod';
import { positiveDuration } from './schema.js';

/** `api.ws`: the live feed (`/ws`, issue 15). Defaults live here. */
export const liveFeedSchema = z
  .strictObject({
    /** A client that sends no `ping` message for this long is closed with 4408. */
    heartbeat_timeout: positiveDuration.default(60_000),
    /** A client that has not sent a valid `auth` within this long is closed with 4401. */
    auth_timeout: positiveDuration.default(10_000),
    /** The server pings every client at the protocol level this often; a peer that did not pong since the last ping is dropped. */
    ping_interval: positiveDuration.default(20_000),
    /** The longest range one getPredictions / getSensorData answers; the rest follows with the returned cursor. */
    max_pull_range: positiveDuration.default(3_600_000),
    /** Bytes the server may hold for one slow client; past it that client's queued events are dropped and it gets `lagged`. */
    max_buffered_bytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    /** Largest message a client may send; a larger one closes the connection (1009). */
    max_message_bytes: z
      .number()
      .int()
      .positive()
      .max(1024 * 1024)
      .default(64 * 1024),
    /** Subscriptions per connection. */
    max_subscriptions: z.number().int().positive().default(32),
    /** How often the api process reads new events from the outbox when nothing woke it (SQLite always polls; PostgreSQL is woken by NOTIFY). */
    poll_interval: positiveDuration.default(200),
  })
  .transform((c) => ({
    heartbeatTimeoutMs: c.heartbeat_timeout,
    authTimeoutMs: c.auth_timeout,
    pingIntervalMs: c.ping_interval,
    maxPullRangeMs: c.max_pull_range,
    maxBufferedBytes: c.max_buffered_bytes,
    maxMessageBytes: c.max_message_bytes,
    maxSubscriptions: c.max_subscriptions,
    pollIntervalMs: c.poll_interval,
  }))
  .prefault({});
export type LiveFeedConfig = z.output<typeof liveFeedSchema>;
