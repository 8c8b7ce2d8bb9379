import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createEpisodeStore } from '../../src/episodes/createEpisodeStore.js';
import type { EpisodeStore } from '../../src/episodes/EpisodeStore.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { EPISODE_RES_MS, episodeWindow } from '../fixtures/episodeWindows.js';
import { WebhookReceiver, type ReceivedRequest } from '../servers/webhookReceiver.js';
import { ApiProcess, apiSection, OpenApiChecker, type RequestOptions } from './helpers/api.js';
import { databaseUrl, openWorkspaceDatabase } from './helpers/fleet.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const SECRET = 'ticket-signing-secret-0123456789';

/** The README's verification recipe ("Outputs", verifying a delivery), verbatim. */
function verify(secret: string, header: string, rawBody: string, toleranceS = 300): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  if (Math.abs(Date.now() / 1000 - Number(t)) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const eventIdOf = (r: ReceivedRequest): number => (JSON.parse(r.body) as { id: number }).id;

/** The suite on one database (SQLite file, or a throwaway PostgreSQL database: its claims and leases too). */
function describeOutputs(label: string, provision: () => Promise<{ database: string; cleanup(): Promise<void> }>): void {
  describe(`outputs on ${label}: episode events delivered to real local HTTP receivers by the real latigo api`, function () {
    this.timeout(180_000);
    let workspace: Workspace;
    let database: { database: string; cleanup(): Promise<void> };
    let api: ApiProcess | undefined;
    let db: Database;
    let episodes: EpisodeStore;
    let ticket: WebhookReceiver;
    let hung: WebhookReceiver;
    let fast: WebhookReceiver;
    let config: string;
    let openapi: OpenApiChecker;
    const call = async (method: string, path: string, options: RequestOptions = {}) => {
      const response = await api!.request(method, path, { as: 'admin', ...options });
      openapi.check(method, path, response);
      return response;
    };
    const episodeEventIds = async (): Promise<number[]> =>
      (await new SqlClient(db).query<{ id: number }>(`SELECT id FROM event WHERE type = 'episode' ORDER BY id`, [])).map((r) =>
        Number(r.id),
      );
    const startApi = async () => {
      api = await ApiProcess.start(config, workspace.dir);
      openapi = new OpenApiChecker((await api.request('GET', '/api/openapi.json', { as: null })).body);
    };

    before(async () => {
      workspace = new Workspace('outputs');
      database = await provision();
      // The ticketing tool fails its first three requests with 500.
      ticket = await WebhookReceiver.start((_r, n) => (n <= 3 ? { status: 500, body: 'overloaded' } : { status: 201 }));
      hung = await WebhookReceiver.start(() => 'hang');
      fast = await WebhookReceiver.start(() => ({ status: 204 }));
      const definition = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
        id,
        url: `${url}/hooks/${id}`,
        filter: { events: ['episode'] },
        ...extra,
      });
      config = workspace.writeConfig(
        workspace.testConfig({
          database: { url: databaseUrl(database.database) },
          api: apiSection(),
          outputs: {
            allowed_hosts: ['127.0.0.1'],
            poll_interval: 100,
            lease_margin: '2s',
            retry: { initial_interval: 100, maximum_interval: 1_000, maximum_attempts: 10 },
            definitions: [
              definition('ticket', ticket.url, { secret: SECRET, headers: { Authorization: 'Bearer ticket-api-key' } }),
              definition('hung', hung.url, { timeout: '60s', concurrency: 2 }),
              definition('fast', fast.url),
            ],
          },
        }),
      );
      await startApi();
      db = await openWorkspaceDatabase(database.database);
      episodes = createEpisodeStore(db, { maxGapMs: 0, minDurationMs: 0, topTags: 3 }, () => Date.now());
    });

    after(async () => {
      api?.stop();
      await db?.close();
      for (const r of [ticket, hung, fast]) await r?.close();
      await database?.cleanup();
      workspace?.remove();
    });

    it('delivers every episode event once (deduplicated by delivery id) after three 500s and an api crash in the middle, signed as documented', async () => {
      for (const i of [0, 1, 2, 3]) await episodes.record(episodeWindow(i), EPISODE_RES_MS);
      await waitFor(() => ticket.accepted().length >= 2, {
        timeoutMs: 60_000,
        describe: () => `two accepted deliveries; got ${ticket.requests.length} requests`,
      });
      api!.stop(); // SIGKILL: deliveries in flight lose their sender and are sent again once their lease lapses
      for (const i of [4, 5, 6, 7, 8, 9]) await episodes.record(episodeWindow(i), EPISODE_RES_MS);
      await startApi();
      const expected = await episodeEventIds();
      expect(expected.length).to.be.greaterThan(5);
      await waitFor(() => new Set(ticket.accepted().map(eventIdOf)).size === expected.length, {
        timeoutMs: 120_000,
        describe: () => `${expected.length} events accepted; got ${new Set(ticket.accepted().map(eventIdOf)).size}`,
      });
      const accepted = ticket.accepted();
      // One delivery id per event: a re-send after the crash repeats the id, so a receiver deduplicates.
      const byEvent = new Map<number, Set<string>>();
      for (const r of ticket.requests) {
        const set = byEvent.get(eventIdOf(r)) ?? new Set<string>();
        set.add(String(r.headers['x-latigo-delivery']));
        byEvent.set(eventIdOf(r), set);
      }
      expect([...byEvent.keys()].sort((a, b) => a - b)).to.deep.equal(expected);
      for (const [event, ids] of byEvent) expect(ids.size, `delivery ids of event ${event}`).to.equal(1);
      expect(ticket.requests.filter((r) => r.status === 500)).to.have.length(3);
      const types = accepted.map((r) => (JSON.parse(r.body) as { type: string }).type);
      expect(types).to.include.members(['episode.opened', 'episode.updated', 'episode.closed']);
      for (const r of ticket.requests) {
        expect(verify(SECRET, String(r.headers['x-latigo-signature']), r.body), 'signature').to.equal(true);
        expect(verify('another-secret-0123456789', String(r.headers['x-latigo-signature']), r.body)).to.equal(false);
        expect(r.headers.authorization).to.equal('Bearer ticket-api-key');
      }
      // The long episode: opened once, closed once, whatever the crash.
      const longest = accepted.filter((r) => (JSON.parse(r.body) as { data: { start: string } }).data.start === '2026-01-01T14:05:00.000Z');
      const dedup = new Map(longest.map((r) => [String(r.headers['x-latigo-delivery']), (JSON.parse(r.body) as { type: string }).type]));
      expect([...dedup.values()].filter((t) => t === 'episode.opened')).to.have.length(1);
      expect([...dedup.values()].filter((t) => t === 'episode.closed')).to.have.length(1);
    });

    it('lets a hung receiver hold only its own output: the other output got every event while it hangs', async () => {
      const expected = await episodeEventIds();
      await waitFor(() => new Set(fast.accepted().map(eventIdOf)).size === expected.length, {
        timeoutMs: 60_000,
        describe: () => `${expected.length} events at the fast receiver; got ${fast.accepted().length}`,
      });
      // The hung output's requests are still open (its timeout is 60 s), two at a time (its concurrency).
      expect(hung.requests.length).to.be.within(1, 4);
      expect(hung.requests.every((r) => r.status === undefined)).to.equal(true);
    });

    it('lists outputs with secrets masked, previews without sending, and lists deliveries with status and latency', async () => {
      const list = await call('GET', '/api/v1/outputs');
      expect(list.status).to.equal(200);
      const ticketView = (list.body.items as Record<string, any>[]).find((o) => o.id === 'ticket')!;
      expect(ticketView.secret).to.equal('***');
      expect(ticketView.headers.Authorization).to.equal('***');
      expect(JSON.stringify(list.body)).not.to.contain(SECRET).and.not.to.contain('ticket-api-key');

      const before = ticket.requests.length;
      const preview = await call('POST', '/api/v1/outputs/ticket/preview', { body: {} });
      expect(preview.status).to.equal(200);
      expect(JSON.parse(preview.body.request.body as string)).to.be.an('object');
      expect(verify(SECRET, preview.body.signatureHeader as string, preview.body.request.body as string)).to.equal(true);
      expect(ticket.requests.length).to.equal(before);

      // A receiver's 2xx comes before the attempt is recorded (and a delivery the killed api had in flight
      // is sent again once its lease lapsed): wait until the listing holds no pending delivery.
      let deliveries = await call('GET', '/api/v1/outputs/ticket/deliveries?limit=50');
      await waitFor(
        async () => {
          deliveries = await call('GET', '/api/v1/outputs/ticket/deliveries?limit=50');
          return (deliveries.body.items as { state: string }[]).every((d) => d.state !== 'pending');
        },
        { timeoutMs: 120_000, describe: () => `no pending ticket delivery: ${JSON.stringify(deliveries.body.items)}` },
      );
      expect(deliveries.status).to.equal(200);
      const withRetries = (deliveries.body.items as Record<string, any>[]).filter((d) =>
        d.attemptLog.some((a: any) => a.statusCode === 500),
      );
      expect(withRetries.length).to.be.greaterThan(0);
      for (const d of withRetries) {
        expect(d.state).to.equal('delivered');
        expect(d.attemptLog[0].latencyMs).to.be.a('number');
        expect(d.attemptLog.at(-1).statusCode).to.equal(201);
      }
    });

    it('refuses disallowed hosts and bad templates at save, naming the field and position', async () => {
      const create = (body: unknown) => call('POST', '/api/v1/outputs', { body });
      for (const url of [
        'http://10.1.2.3/hook',
        'http://localhost:9/hook',
        'http://169.254.169.254/latest',
        'https://example.com/x',
        'http://[::1]:8080/',
      ]) {
        const refused = await create({ id: 'ssrf', url });
        expect(refused.status, `${url}: ${JSON.stringify(refused.body)}`).to.equal(422);
        expect(refused.body.field).to.equal('body.url');
      }
      const hostFromValue = await create({ id: 'ssrf', url: 'http://${model.name}/hook' });
      expect(hostFromValue.status).to.equal(422);
      const bad = await create({ id: 'bad', url: `${fast.url}/x`, payload: '{\n  "text": ${episode.peek}\n}' });
      expect(bad.status).to.equal(422);
      expect(bad.body.field).to.equal('body.payload');
      expect(bad.body.detail).to.contain('line 2, column 11');
      const typo = await create({ id: 'typo', url: `${fast.url}/x`, methd: 'POST' });
      expect(typo.status).to.equal(400);
      expect(typo.body.field).to.equal('body');
    });

    it('does not follow a redirect to a disallowed host, parks the delivery failed, and re-sends it on request', async () => {
      const thief = await WebhookReceiver.start(() => ({ status: 200 }), '127.0.0.2');
      let redirect = true;
      const redirector = await WebhookReceiver.start(() =>
        redirect ? { status: 307, headers: { location: `${thief.url}/steal` } } : { status: 200 },
      );
      try {
        const created = await call('POST', '/api/v1/outputs', {
          body: {
            id: 'redirector',
            url: `${redirector.url}/hook`,
            filter: { events: ['episode'] },
            payload: '{"text": "${model.name}: ${event.type}"}',
          },
        });
        expect(created.status, JSON.stringify(created.body)).to.equal(201);
        await episodes.record(episodeWindow(1, { model: 'redirected "pump" \\ ✓' }), EPISODE_RES_MS);
        let failed: Record<string, any> | undefined;
        await waitFor(
          async () => {
            const list = await call('GET', '/api/v1/outputs/redirector/deliveries?state=failed');
            failed = list.body.items[0];
            return failed !== undefined;
          },
          { timeoutMs: 60_000, describe: () => `a failed delivery; redirector got ${redirector.requests.length} requests` },
        );
        expect(failed!.lastError).to.match(/redirect to 127\.0\.0\.2:\d+ not followed/);
        expect(thief.requests).to.have.length(0);
        expect(JSON.parse(redirector.requests[0]!.body)).to.deep.equal({ text: 'redirected "pump" \\ ✓: episode.opened' });

        redirect = false;
        const resent = await call('POST', `/api/v1/outputs/redirector/deliveries/${failed!.id}/resend`);
        expect(resent.status).to.equal(202);
        await waitFor(() => redirector.accepted().length === 1, { timeoutMs: 60_000, describe: () => 'the re-sent delivery' });
        expect(redirector.accepted()[0]!.headers['x-latigo-delivery']).to.equal(failed!.id);
      } finally {
        const deleted = await api!.request('DELETE', '/api/v1/outputs/redirector', { as: 'admin' });
        expect(deleted.status).to.equal(204);
        await thief.close();
        await redirector.close();
      }
    });

    it('lists episodes over the API, open ones with open=true', async () => {
      const all = await api!.request('GET', '/api/v1/models/plant/pump-02/episodes?limit=50', { as: 'viewer' });
      openapi.check('GET', '/api/v1/models/plant/pump-02/episodes?limit=50', all);
      expect(all.status).to.equal(200);
      expect((all.body.items as { start: string }[]).map((e) => e.start)).to.include('2026-01-01T14:05:00.000Z');
      const open = await api!.request('GET', '/api/v1/episodes?open=true&limit=50', { as: 'viewer' });
      expect((open.body.items as unknown[]).length).to.be.greaterThan(0);
      expect(open.status).to.equal(200);
      for (const e of open.body.items as { open: boolean; end: string | null }[]) {
        expect(e.open).to.equal(true);
        expect(e.end).to.equal(null);
      }
    });
  });
}

describeOutputs('SQLite', async () => {
  const files = new Workspace('outputs-db');
  return { database: files.databasePath, cleanup: async () => files.remove() };
});
describeOutputs('PostgreSQL', async () => {
  const throwaway: ThrowawayDatabase = await createThrowawayDatabase();
  return { database: throwaway.url, cleanup: () => throwaway.drop() };
});
