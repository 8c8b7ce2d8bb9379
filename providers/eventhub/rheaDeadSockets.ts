import { createRequire } from 'node:module';

/**
 * Works around a timer leak in rhea (the AMQP 1.0 library under `@azure/event-hubs`, 3.0.5 and its main
 * branch as of 2026-04) that kept a process alive for two minutes after an SDK client was closed.
 *
 * How it happens: a client is closed while its connection is still opening (the consumer's subscription
 * stopped during start-up). rhea sends open and close at once and ends its socket; a peer that answers
 * the open it got (AMQP wants an open before the close; the tests' loopback hub, rhea, does) sends open
 * then close. rhea answers that open by opening again, and the write to its own ended socket fails
 * (`ERR_STREAM_WRITE_AFTER_END`). `Connection._disconnected` then clears the heartbeat timers, but for a
 * connection already closed it skips `_disconnect()`, so `socket_ready` stays true. The close frame rhea
 * writes next goes to `output()`, which sees a "ready" socket and no idle timer, and arms one:
 * `idle_time_out * 2` (the SDK advertises 60 s) on a destroyed socket, which nothing clears again.
 *
 * The fix is the state rhea gives every other disconnected connection: once its socket is gone, it is not
 * ready, so nothing more is written to it and no timer is armed for it. A reconnect sets it ready again
 * when the new socket connects (`Connection.connected`), as before.
 */

interface RheaConnection {
  socket_ready: boolean;
  _disconnected: (this: RheaConnection, error?: unknown) => void;
}

const patched = Symbol.for('latigo.rhea.deadSocketsStayDead');
let tried = false;

/** Applies the fix to the rhea copy the SDK runs on, once per process. A rhea without these internals is left alone. */
export function keepDeadRheaSocketsDead(): void {
  if (tried) return;
  tried = true;
  const prototype = sdkRheaConnectionPrototype();
  if (!prototype || typeof prototype._disconnected !== 'function' || (prototype as unknown as Record<symbol, boolean>)[patched]) return;
  const disconnected = prototype._disconnected;
  prototype._disconnected = function (this: RheaConnection, error?: unknown) {
    disconnected.call(this, error);
    this.socket_ready = false;
  };
  (prototype as unknown as Record<symbol, boolean>)[patched] = true;
}

/** rhea's Connection as the SDK loads it: resolved along its own chain, whatever npm hoisted or nested. */
function sdkRheaConnectionPrototype(): RheaConnection | undefined {
  try {
    let require = createRequire(import.meta.url);
    for (const name of ['@azure/event-hubs', '@azure/core-amqp', 'rhea-promise']) {
      require = createRequire(require.resolve(`${name}/package.json`));
    }
    const Connection = require('rhea/lib/connection.js') as { prototype?: RheaConnection };
    return Connection.prototype;
  } catch {
    return undefined;
  }
}
