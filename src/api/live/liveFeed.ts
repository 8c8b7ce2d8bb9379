import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { EventOutbox } from '../../events/EventOutbox.js';
import type { Database } from '../../persistence/Database.js';
import type { ApiDeps } from '../ApiDeps.js';
import { LiveConnection } from './LiveConnection.js';
import { OutboxFollower } from './OutboxFollower.js';
import { PreparedEvent } from './preparedEvent.js';

/**
 * The live feed (issue 15): `/ws` on the api process. One OutboxFollower per process reads the event
 * outbox and fans each page out to every connection; each connection filters by its subscriptions.
 */
export async function liveFeedRoutes(app: FastifyInstance, deps: ApiDeps, database: Database): Promise<void> {
  const { ws } = deps.config.api;
  const log = deps.log.child({ component: 'live-feed' });
  const outbox = new EventOutbox(database, deps.clock);
  const follower = new OutboxFollower(database, outbox, { pollIntervalMs: ws.pollIntervalMs, log });
  const connections = new Set<LiveConnection>();
  follower.onEvents((events) => {
    if (connections.size === 0) return;
    const prepared = events.map((e) => new PreparedEvent(e));
    for (const connection of connections) connection.deliver(prepared);
  });
  let pinger: NodeJS.Timeout | undefined;

  await app.register(websocket, { options: { maxPayload: ws.maxMessageBytes, perMessageDeflate: false } });
  app.addHook('onReady', async () => {
    await follower.start();
    pinger = setInterval(() => {
      for (const connection of connections) connection.probe();
    }, ws.pingIntervalMs);
    pinger.unref();
  });
  app.addHook('preClose', async () => {
    clearInterval(pinger);
    for (const connection of connections) connection.close(1001, 'the server is stopping');
    await follower.stop();
  });
  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    const connection = new LiveConnection(socket, request.raw.socket, {
      deps,
      outbox,
      log,
      cursor: () => follower.cursor,
      closed: (c) => connections.delete(c),
    });
    connections.add(connection);
  });
}
