import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { LiveFeedClient } from '../../src/client/index.js';
import { EventOutbox } from '../../src/events/EventOutbox.js';
import type { NewEvent } from '../../src/events/eventTypes.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { ApiProcess, apiSection, testTokens } from './helpers/api.js';
import { databaseUrl, openWorkspaceDatabase } from './helpers/fleet.js';
import { StalledSubscriber } from './helpers/liveSocket.js';
import { createThrowawayDatabase } from './helpers/postgres.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

const MB = 1024 * 1024;
/** Events per append (one transaction each) and appends while the client is stalled. */
const BATCH = 1_000;
const STALLED_BATCHES = 80;
/** Each event's padding: ~1.3 KB a frame, so the stalled phase produces ~100 MB of frames for the stalled client. */
const PADDING = 'p'.repeat(1_000);
/**
 * Allowed growth of the api process's RSS over the stalled phase. A server that kept every frame for the
 * stalled client would grow by the ~100 MB produced (more, counting Buffer overhead); a bounded one holds
 * api.ws.max_buffered_bytes (the default, 4 MB) plus the socket's high-water mark, and the rest is garbage of the fan-out that
 * the collector has not returned yet. Generous for a busy machine, and still well below what is produced.
 */
const RSS_GROWTH_BOUND_MB = 45;
/**
 * The api's V8 old-space limit, as `latigo start` gives executors (src/cli/heapLimit.ts): left to size the
 * heap from the machine's memory, V8 lets the fan-out's garbage pile up far past the live set before
 * collecting (on PostgreSQL, whose follower reads faster, by ~170 MB even with no stalled client), which says
 * nothing about what the server keeps. Under a fixed limit the garbage is collected, while frames kept for
 * the stalled client (Buffers, outside the V8 heap) would still show in the RSS, or exhaust the heap as strings.
 */
const API_OLD_SPACE_MB = 160;

/** The messages of the feed this test reads. */
interface FeedMessage {
  subscribed?: { since: number };
  event?: { id: number };
  lagged?: { since: number };
}

/** The api process's resident set (VmRSS) in MB, from the operating system. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/**
 * Backpressure of the live feed (issue 15): a client that stops reading while events keep coming gets
 * `lagged` with the id to resume from, resumes from it with no gap, and the api process's memory stays
 * bounded meanwhile. The events are appended by the outbox's own append (what executors do); the api, its
 * follower and the WebSocket are the real process. The heartbeat and protocol pings are set far beyond the
 * test's length, so only the buffer limit can end the stalled client's subscription. The same test runs on
 * SQLite (the follower polls the outbox) and PostgreSQL (it follows LISTEN/NOTIFY).
 */
function describeBackpressure(label: string, provision: (workspace: Workspace) => Promise<{ database: string; cleanup(): Promise<void> }>) {
  describe(`live feed backpressure (real latigo api on ${label}, a client that stops reading)`, function () {
    this.timeout(600_000);
    let workspace: Workspace;
    let database: { database: string; cleanup(): Promise<void> } | undefined;
    let api: ApiProcess | undefined;
    let db: Database | undefined;
    let stalled: StalledSubscriber | undefined;
    const clients: LiveFeedClient[] = [];

    afterEach(async () => {
      stalled?.close();
      clients.forEach((c) => c.close());
      api?.stop();
      await db?.close();
      await database?.cleanup();
      workspace.remove();
    });

    it('sends lagged with a since id to a client that stops reading, which resumes with no gap; the api RSS stays bounded', async () => {
      workspace = new Workspace('live-backpressure');
      database = await provision(workspace);
      db = await openWorkspaceDatabase(database.database);
      const outbox = new EventOutbox(db, Date.now);
      const config = workspace.writeConfig(
        workspace.testConfig({
          database: { url: databaseUrl(database.database) },
          api: apiSection({
            ws: { heartbeat_timeout: '30m', ping_interval: '30m', poll_interval: 50 },
          }),
        }),
      );
      api = await ApiProcess.start(config, workspace.dir, {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${API_OLD_SPACE_MB}`.trim(),
      });
      const pid = api.process.pid;
      const url = `${api.baseUrl.replace(/^http/, 'ws')}/ws`;
      let sequence = 0;
      const produce = async (batches: number) => {
        for (let b = 0; b < batches; b++) {
          const events: NewEvent[] = Array.from({ length: BATCH }, () => ({
            type: 'window',
            project: 'plant',
            model: `model-${sequence % 7}`,
            data: {
              taskId: `t${++sequence}`,
              from: '2026-01-01T00:00:00Z',
              to: '2026-01-01T00:10:00Z',
              state: 'failed',
              errorMessage: PADDING,
            },
          }));
          await outbox.append(events);
        }
        return outbox.latestId();
      };

      // A client that reads everything, from the start: it shows the feed kept going and tells when the
      // api has fanned out the last event.
      const watcher = await LiveFeedClient.connect({ url, token: testTokens.viewer, heartbeatMs: 5_000 });
      clients.push(watcher);
      const watched: number[] = [];
      const watching = (async () => {
        for await (const e of watcher) watched.push(e.id);
      })();
      const watchedUpTo = (id: number, what: string, total: number) =>
        waitFor(() => (watcher.lastId ?? 0) >= id, {
          describe: () => `${what}: the watcher at id ${watcher.lastId} of ${id}\n${api!.process.stderr.slice(-2000)}`,
          progress: { done: () => watched.length, total, stallMs: 120_000 },
        });

      // Warm-up, so the baseline RSS includes what any fan-out needs (pages, prepared frames, the JIT).
      const warmedUpTo = await produce(5);
      await watchedUpTo(warmedUpTo, 'the warm-up', 5 * BATCH);
      const baselineMb = rssMb(pid);

      const slow = await StalledSubscriber.open(url, testTokens.viewer, { id: 'slow', models: '*' });
      stalled = slow;
      let peakMb = baselineMb;
      const sampler = setInterval(() => {
        peakMb = Math.max(peakMb, rssMb(pid));
      }, 50);
      let lastId: number;
      try {
        lastId = await produce(STALLED_BATCHES);
        await watchedUpTo(lastId, 'the stalled phase', (5 + STALLED_BATCHES) * BATCH);
        peakMb = Math.max(peakMb, rssMb(pid));
      } finally {
        clearInterval(sampler);
      }
      const producedMb = (STALLED_BATCHES * BATCH * (PADDING.length + 300)) / MB;
      const growthMb = peakMb - baselineMb;
      expect(producedMb, 'the test produces far more than the bound').to.be.above(2 * RSS_GROWTH_BOUND_MB);
      expect(
        growthMb,
        `api RSS grew by ${growthMb.toFixed(1)} MB (baseline ${baselineMb.toFixed(1)} MB, peak ${peakMb.toFixed(1)} MB) while ${producedMb.toFixed(0)} MB of events went out`,
      ).to.be.below(RSS_GROWTH_BOUND_MB);

      // The stalled client reads again: what the server had handed to the socket, then `lagged`.
      await slow.resume('"lagged"', 120_000);
      const messages = slow.messages() as FeedMessage[];
      const laggedAt = messages.findIndex((m) => 'lagged' in m);
      expect(laggedAt, 'a lagged message').to.be.greaterThan(0);
      expect(
        messages.slice(laggedAt + 1).some((m) => 'event' in m),
        'no event follows lagged',
      ).to.equal(false);
      const subscribedFrom = messages.find((m) => m.subscribed !== undefined)!.subscribed!.since;
      const before = messages.slice(0, laggedAt).flatMap((m) => (m.event === undefined ? [] : [m.event.id]));
      const since = messages[laggedAt]!.lagged!.since;
      expect(since, 'lagged says where to resume: the last event it was sent').to.equal(before.at(-1) ?? subscribedFrom);
      expect(before, 'the events before lagged, in order, none missing').to.deep.equal(
        Array.from({ length: since - subscribedFrom }, (_, i) => subscribedFrom + 1 + i),
      );
      expect(since, 'it lagged before the end').to.be.below(lastId);

      // Resuming from `since` gets every later event exactly once.
      const resumed = await LiveFeedClient.connect({ url, token: testTokens.viewer, heartbeatMs: 5_000, since });
      clients.push(resumed);
      const after: number[] = [];
      const resuming = (async () => {
        for await (const e of resumed) {
          after.push(e.id);
          if (e.id >= lastId) break;
        }
      })();
      await waitFor(() => after.at(-1) === lastId, {
        describe: () => `the resumed client to reach ${lastId}, at ${after.at(-1)}`,
        progress: { done: () => after.length, total: lastId - since, stallMs: 120_000 },
      });
      await resuming;
      expect(after).to.deep.equal(Array.from({ length: lastId - since }, (_, i) => since + 1 + i));

      // The reading client lost nothing either.
      watcher.close();
      await watching;
      expect(watched.at(-1)).to.equal(lastId);
      expect(new Set(watched).size, 'the watcher saw each event once').to.equal(watched.length);
    });
  });
}

describeBackpressure('SQLite', async (workspace) => ({ database: workspace.databasePath, cleanup: async () => {} }));
describeBackpressure('PostgreSQL', async () => {
  const throwaway = await createThrowawayDatabase();
  return { database: throwaway.url, cleanup: () => throwaway.drop() };
});
