import { expect } from 'chai';
import { LiveFeedClient, type LiveEvent } from '../../src/client/index.js';
import { newTask, type PredictionTask } from '../../src/domain/Task.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import { ApiProcess, apiSection, testTokens, tokenEnv } from './helpers/api.js';
import { startCli, type CliProcess } from './helpers/cli.js';
import { databaseUrl, openWorkspaceDatabase, seedFleet, sendTaskMessages, taskMessage, type Fleet } from './helpers/fleet.js';
import { LiveSocket } from './helpers/liveSocket.js';
import { createThrowawayDatabase } from './helpers/postgres.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

const MIN = 60_000;
const HEARTBEAT_MS = 1_500;
const PING_MS = 400;

/** The live feed (/ws, issue 15) against a real `latigo api` and a real executor, on one database. */
function describeLiveFeed(label: string, provision: (workspace: Workspace) => Promise<{ database: string; cleanup(): Promise<void> }>) {
  describe(`live feed on ${label} (real latigo api and executor, real WebSocket clients)`, function () {
    this.timeout(300_000);
    let workspace: Workspace;
    let database: { database: string; cleanup(): Promise<void> };
    let fleet: Fleet;
    let api: ApiProcess;
    let executor: CliProcess;
    let db: Database;
    let url: string;
    const sockets: LiveSocket[] = [];
    const output = () => `${api.process.stderr.slice(-2000)}\n${executor.stderr.slice(-2000)}`;

    const open = async (ping = true) => {
      const socket = await LiveSocket.open(url, ping ? PING_MS : undefined);
      sockets.push(socket);
      return socket;
    };
    const authorized = async (ping = true) => {
      const socket = await open(ping);
      socket.send({ auth: { Authorization: `Bearer ${testTokens.viewer}` } });
      await socket.next('authorized');
      return socket;
    };
    const windows = (model: number, fromMs: number, count: number): PredictionTask[] =>
      Array.from({ length: count }, (_, k) =>
        newTask(fleet.project, fleet.models[model]!.name, fleet.models[model]!.revision, {
          fromMs: fromMs + k * 10 * MIN,
          toMs: fromMs + (k + 1) * 10 * MIN,
        }),
      );

    before(async function () {
      workspace = new Workspace('live');
      database = await provision(workspace);
      fleet = await seedFleet(database.database, { models: 2, tagsPerModel: 3 });
      db = await openWorkspaceDatabase(database.database);
      // A fault in model-0000's data: ten minutes of one tag far off its range, so its windows hold anomalies.
      const faultAt = fleet.predictionRange.fromMs + 25 * MIN;
      await new EmbeddedSensorStore(db, silentLogger).insertPoints([
        {
          sensor: `${fleet.models[0]!.name}/tag-0`,
          timesMs: Array.from({ length: 10 }, (_, i) => faultAt + i * MIN),
          values: Array(10).fill(40),
        },
      ]);
      const config = workspace.writeConfig(
        workspace.testConfig({
          database: { url: databaseUrl(database.database) },
          api: apiSection({
            ws: { heartbeat_timeout: `${HEARTBEAT_MS}ms`, max_pull_range: '20m', max_buffered_bytes: 8 * 1024 * 1024, poll_interval: 50 },
          }),
        }),
      );
      api = await ApiProcess.start(config, workspace.dir);
      executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir, env: tokenEnv });
      url = `${api.baseUrl.replace(/^http/, 'ws')}/ws`;
    });

    after(async () => {
      sockets.forEach((s) => s.close());
      api?.stop();
      executor?.kill();
      await db?.close();
      await database?.cleanup();
      workspace?.remove();
    });

    it('authorizes a valid token; a wrong one gets error 4401 and close code 4401; nothing else is answered before auth', async () => {
      const good = await open();
      good.send({ ping: { n: 1 } });
      expect(await good.next('pong')).to.deep.equal({ n: 1 });
      good.send({ auth: { Authorization: `Bearer ${testTokens.viewer}` } });
      expect(await good.next('authorized')).to.deep.equal({});

      const wrong = await open();
      wrong.send({ auth: { Authorization: 'Bearer not-a-token' } });
      expect(await wrong.next('error')).to.deep.equal({ message: 'Unauthorized', code: 4401 });
      expect(await wrong.closed()).to.equal(4401);

      const early = await open();
      early.send({ subscribe: { id: 's1', models: '*' } });
      expect((await early.next('error')).code).to.equal(4401);
      expect(await early.closed()).to.equal(4401);
      expect(early.messages.some((m) => 'subscribed' in m)).to.equal(false);
    });

    it('closes a client that stops pinging with 4408 after api.ws.heartbeat_timeout, and keeps one that pings', async () => {
      const silent = await authorized(false);
      const lastPing = Date.now();
      silent.send({ ping: {} });
      const pinging = await authorized(true);
      expect(await silent.closed()).to.equal(4408);
      const after = silent.closedAt! - lastPing;
      expect(after, 'closed no earlier than the timeout').to.be.at.least(HEARTBEAT_MS - 50);
      expect(after, 'closed near the timeout (bound only against a hang)').to.be.below(HEARTBEAT_MS + 10_000);
      expect((await silent.next('error')).code).to.equal(4408);
      expect(pinging.closeCode).to.equal(undefined);
    });

    it('answers every malformed message with 4400 naming what is wrong, and keeps the connection open', async () => {
      const socket = await authorized();
      const cases: [unknown, RegExp][] = [
        ['not json', /not JSON/],
        [[1, 2], /JSON object/],
        [{ ping: {}, auth: {} }, /exactly one key/],
        [{ shout: {} }, /unknown message "shout"; expected one of auth, ping, subscribe/],
        [{ subscribe: { models: '*' } }, /^subscribe\.id: /],
        [{ subscribe: { id: 's', models: [{ project: 'p' }] } }, /^subscribe\.models\[0\]\.model: /],
        [{ subscribe: { id: 's', models: '*', events: ['weather'] } }, /^subscribe\.events\[0\]: /],
        [{ subscribe: { id: 's', models: '*', since: -1 } }, /^subscribe\.since: /],
        [{ unsubscribe: { id: 'nope' } }, /^unsubscribe\.id: no subscription "nope"/],
        [
          { getPredictions: { project: 'fleet', model: 'model-0000', from: 'yesterday', to: '2025-01-01T03:00:00Z' } },
          /^getPredictions\.from/,
        ],
      ];
      for (const [message, expected] of cases) {
        const from = socket.messages.length;
        socket.send(message);
        const error = await socket.next('error', () => true, from);
        expect(error.code, JSON.stringify(message)).to.equal(4400);
        expect(error.message, JSON.stringify(message)).to.match(expected);
      }
      const from = socket.messages.length;
      socket.send({ ping: { still: 'open' } });
      expect(await socket.next('pong', () => true, from)).to.deep.equal({ still: 'open' });
      expect(socket.closeCode).to.equal(undefined);
    });

    it("pushes one model's window, prediction and anomaly events within 1 s of the executor storing them; * gets every model", async () => {
      const one = await authorized();
      one.send({ subscribe: { id: 's1', models: [{ project: fleet.project, model: fleet.models[0]!.name }] } });
      await one.next('subscribed');
      // Ping round trips over the same connection while the events flow: what the machine's own scheduling
      // costs at that moment (on a loaded laptop a process may wait its turn for a second or more).
      const pinger = setInterval(() => one.send({ ping: { sentAt: Date.now() } }), 100);
      try {
        const all = await authorized();
        all.send({ subscribe: { id: 'all', models: '*', events: ['window', 'prediction', 'anomaly'] } });
        await all.next('subscribed');
        await sendTaskMessages(
          database.database,
          [...windows(0, fleet.predictionRange.fromMs, 6), ...windows(1, fleet.predictionRange.fromMs, 6)].map(taskMessage),
        );
        const succeeded = (s: LiveSocket) => s.events().filter((e) => e.type === 'window' && e.data.state === 'succeeded').length;
        await waitFor(() => succeeded(one) === 6 && succeeded(all) === 12, {
          timeoutMs: 120_000,
          describe: () => `6 and 12 succeeded windows, got ${succeeded(one)} and ${succeeded(all)}\n${output()}`,
        });
        await waitFor(() => one.events().filter((e) => e.type === 'prediction').length === 6, {
          timeoutMs: 10_000,
          describe: () => 'prediction events',
        });
        const events = one.events('s1');
        expect(new Set(events.map((e) => e.model))).to.deep.equal(new Set([fleet.models[0]!.name]));
        expect(events.filter((e) => e.type === 'anomaly').length, 'the fault shows as anomaly events').to.be.greaterThan(0);
        const blamed = events.filter((e) => e.type === 'anomaly').flatMap((e) => e.data.topTags.map((t: { tag: string }) => t.tag));
        expect(blamed, 'the faulty tag is among the tags most to blame').to.include(`${fleet.models[0]!.name}/tag-0`);
        const ids = events.map((e) => e.id);
        expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
        expect(new Set(all.events().map((e) => e.model))).to.deep.equal(new Set([fleet.models[0]!.name, fleet.models[1]!.name]));
        expect(all.events().filter((e) => e.type === 'prediction')).to.have.length(12);
      } finally {
        clearInterval(pinger);
      }
      // Latency: from the event's commit (createdAt, written with the ledger's outcome) to this client, within
      // 1 s plus the slowest ping round trip seen meanwhile (0-2 ms on an idle machine).
      const latencies: number[] = [];
      const roundTrips: number[] = [];
      one.messages.forEach((m, i) => {
        if ('event' in m) latencies.push(one.receivedAt[i]! - Date.parse(m.event.createdAt));
        if ('pong' in m && typeof m.pong.sentAt === 'number') roundTrips.push(one.receivedAt[i]! - m.pong.sentAt);
      });
      const slowestRoundTrip = Math.max(0, ...roundTrips);
      console.log(`      event latency max ${Math.max(...latencies)} ms; slowest ping round trip ${slowestRoundTrip} ms`);
      expect(roundTrips.length, 'pongs').to.be.greaterThan(0);
      for (const latency of latencies) expect(latency, 'event latency').to.be.below(1_000 + slowestRoundTrip);
    });

    it('serves getPredictions and getSensorData in slices of api.ws.max_pull_range, continued by cursor', async () => {
      const socket = await authorized();
      const range = {
        project: fleet.project,
        model: fleet.models[0]!.name,
        from: new Date(fleet.predictionRange.fromMs).toISOString(),
        to: new Date(fleet.predictionRange.toMs).toISOString(),
      };
      const pullAll = async (name: string, answer: string) => {
        const slices: any[] = [];
        let cursor: string | undefined;
        do {
          const id = `${name}-${slices.length}`;
          socket.send({ [name]: { ...range, id, ...(cursor === undefined ? {} : { cursor }) } });
          const slice = await socket.next(answer, (b) => b.id === id);
          slices.push(slice);
          cursor = slice.next;
        } while (cursor !== undefined && slices.length < 10);
        return slices;
      };
      const predictions = await pullAll('getPredictions', 'predictions');
      expect(predictions).to.have.length(3); // one hour in 20-minute slices
      const times = predictions.flatMap((s) => s.items.map((i: { time: string }) => Date.parse(i.time)));
      expect(times).to.have.length(60);
      expect(times).to.deep.equal(Array.from({ length: 60 }, (_, i) => fleet.predictionRange.fromMs + i * MIN));
      const sensor = await pullAll('getSensorData', 'sensorData');
      expect(sensor.map((s) => s.timestamps.length)).to.deep.equal([20, 20, 20]);
      expect(sensor[0].tags).to.have.length(3);
      socket.send({ getPredictions: { ...range, id: 'bad', cursor: 'nonsense' } });
      const error = await socket.next('error', (b) => b.id === 'bad');
      expect(error).to.include({ code: 4400 });
      expect(error.message).to.match(/getPredictions\.cursor/);
    });

    it('a client reconnecting with since gets exactly the events it missed: no gap, no duplicate', async () => {
      const base = { url, token: testTokens.viewer, heartbeatMs: PING_MS };
      const watcher = await LiveFeedClient.connect(base);
      const first = await LiveFeedClient.connect(base);
      const seen = { watcher: [] as LiveEvent[], first: [] as LiveEvent[], second: [] as LiveEvent[] };
      const collect = async (client: LiveFeedClient, into: LiveEvent[]) => {
        for await (const e of client) into.push(e);
      };
      const watching = collect(watcher, seen.watcher);
      const firstDone = collect(first, seen.first);
      // Windows after the data ends: each runs and ends insufficient_data (running, then the outcome).
      const later = fleet.predictionRange.toMs;
      await sendTaskMessages(database.database, windows(1, later, 6).map(taskMessage));
      await waitFor(() => seen.first.length >= 2, { timeoutMs: 60_000, describe: () => `events for the first client\n${output()}` });
      first.close();
      await firstDone;
      await sendTaskMessages(database.database, windows(1, later + 60 * MIN, 6).map(taskMessage));
      const finished = () => seen.watcher.filter((e) => e.type === 'window' && e.data.state !== 'running').length;
      await waitFor(() => finished() === 12, { timeoutMs: 120_000, describe: () => `12 finished windows, got ${finished()}\n${output()}` });
      const second = await LiveFeedClient.connect({ ...base, since: first.lastId! });
      const secondDone = collect(second, seen.second);
      const lastId = seen.watcher.at(-1)!.id;
      await waitFor(() => (second.lastId ?? 0) >= lastId, { timeoutMs: 30_000, describe: () => 'the reconnected client to catch up' });
      second.close();
      watcher.close();
      await Promise.all([secondDone, watching]);
      const ids = (events: LiveEvent[]) => events.map((e) => e.id);
      expect([...ids(seen.first), ...ids(seen.second)]).to.deep.equal(ids(seen.watcher));
      expect(seen.second.length, 'the reconnect had something to catch up').to.be.greaterThan(0);
    });
  });
}

describeLiveFeed('SQLite', async (workspace) => ({ database: workspace.databasePath, cleanup: async () => {} }));
describeLiveFeed('PostgreSQL', async () => {
  const throwaway = await createThrowawayDatabase();
  return { database: throwaway.url, cleanup: () => throwaway.drop() };
});
