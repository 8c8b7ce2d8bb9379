import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { apiSection, testTokens, tokenEnv } from './helpers/api.js';
import { TestBrowser, signIn } from './helpers/browser.js';
import { repoRoot, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

interface Fault {
  asset: string;
  sensor: string;
  kind: string;
  from_ms: number;
  to_ms: number;
}

/** One attribute of each element `selector` matches, in document order. */
async function attributes(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  return Promise.all((await page.locator(selector).all()).map((element) => element.getAttribute(name)));
}

/** The numbers of the page's overview, read from the DOM. */
async function overviewNumbers(page: Page): Promise<{ succeeded: number; executorsDone: number; live: string[] }> {
  return page.evaluate<{ succeeded: number; executorsDone: number; live: string[] }>(`(() => {
    const number = (text) => Number(String(text).replace(/[^0-9]/g, '') || 'NaN');
    const rows = [...document.querySelectorAll('[data-testid=processes] tr[data-process]')];
    const executors = rows.filter((r) => r.children[1].textContent === 'executor');
    return {
      succeeded: number(document.querySelector('[data-testid=window-states] td[data-state=succeeded]').textContent),
      executorsDone: executors.reduce((sum, r) => sum + number(r.children[5].textContent), 0),
      live: executors.filter((r) => r.children[2].textContent === 'live').map((r) => r.getAttribute('data-process')).sort(),
    };
  })()`);
}

describe('web page on the demo plant (latigo start --demo with tokens, Debian Chromium via playwright-core)', function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let start: CliProcess;
  let origin: string;
  let browser: TestBrowser;
  let db: DatabaseReader;
  const pageErrors: string[] = [];
  const output = () => `${start.stdout.slice(-3000)}\n${start.stderr.slice(-2000)}`;
  const call = async (method: string, path: string, role: keyof typeof testTokens, body?: unknown) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${testTokens[role]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async function () {
    this.timeout(600_000);
    workspace = new Workspace('web-demo');
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'warn', format: 'json' },
        demo: { assets: 2, tags_per_asset: 8, history: '12h', training: '8h', resolution: '60s', faults_per_asset: 2 },
        api: apiSection({ default_page_size: 100, max_page_size: 1000 }),
      }),
    );
    start = startCli(['--config', config, 'start', '--demo', '--status-interval', '1000'], { cwd: workspace.dir, env: tokenEnv });
    await waitFor(() => /^\[api\] Operator web page at http:\/\/127\.0\.0\.1:\d+\/$/m.test(start.stdout), {
      timeoutMs: 240_000,
      describe: () => `latigo start --demo to print the web page's address\n${output()}`,
    });
    origin = /^\[api\] Operator web page at (http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(start.stdout)![1]!;
    db = new DatabaseReader(workspace.databasePath);
    // The catch-up of the 4 predicted hours is done: every model has its windows.
    await waitFor(() => db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`) >= 2 * 24, {
      progress: { done: () => db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`), total: 48, stallMs: 90_000 },
      describe: () => `the demo's catch-up windows\n${output()}`,
    });
    browser = await TestBrowser.launch(origin);
  });

  after(async () => {
    await browser?.close();
    db?.close();
    if (start !== undefined) {
      start.child.kill('SIGINT');
      await start.untilExit(60_000).catch(() => start.kill());
    }
    workspace?.remove();
  });

  it('shows a viewer the overview (models and SLO breaches, queue, executors live, open episodes), updates it over the live feed when windows are stored, and shows no operator buttons', async () => {
    const { context, page, errors } = await browser.page();
    // The page polls at most once an hour here: whatever changes on it after loading came from the live feed.
    await context.addInitScript(`sessionStorage.setItem('latigo.pollMs', '3600000')`);
    const subscribes: { since?: number }[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload)) as { subscribe?: { since?: number } };
        if (message.subscribe !== undefined) subscribes.push(message.subscribe);
      }),
    );
    await page.goto(`${origin}/#/`);
    await page.locator('input[name=token]').waitFor();
    await browser.screenshot(page, 'login');
    await signIn(page, origin, testTokens.viewer);
    await page.locator('[data-testid=processes] tr[data-process=executor-2]').waitFor();
    expect((await overviewNumbers(page)).live).to.deep.equal(['executor-1', 'executor-2']);
    // The cards and lists agree with the API: models and freshness SLO breaches, queue lag and dead letters,
    // executors live and lost with their rate, and the open episodes.
    const card = async (name: string) => (await page.locator(`[data-testid=${name}-card]`).innerText()).replace(/\s+/g, ' ');
    // Freshness changes while the demo catches up (a model turns fresh when its window is stored), so the card
    // and the breaches list are compared with the API's answer of the same moment until they agree.
    type Freshness = { models: number; maxStalenessSeconds: number; stale: { project: string; model: string }[] };
    let freshness: Freshness | undefined;
    let shownCard = '';
    let shownBreaches: (string | null)[] = [];
    await waitFor(
      async () => {
        freshness = (await call('GET', '/api/v1/freshness', 'viewer')).body as Freshness;
        shownCard = await card('models');
        shownBreaches = await attributes(page, '[data-testid=slo-breaches] li[data-model]', 'data-model');
        return (
          new RegExp(`^Models ${freshness.models} ${freshness.stale.length} stale \\(SLO \\d+ min\\)$`).test(shownCard) &&
          JSON.stringify(shownBreaches) === JSON.stringify(freshness.stale.slice(0, 12).map((m) => `${m.project}/${m.model}`))
        );
      },
      {
        timeoutMs: 120_000,
        describe: () =>
          `the models card and SLO breaches as the API has them: page "${shownCard}" ${JSON.stringify(shownBreaches)}, API ${JSON.stringify(freshness)}`,
      },
    );
    const queue = (await call('GET', '/api/v1/queue', 'viewer')).body as { dead: number };
    expect(await card('queue')).to.match(
      new RegExp(`ready · \\d+ leased · \\d+ delayed · lag (–|\\d+(\\.\\d)? (s|min|h|d)) dead letters: ${queue.dead}$`),
    );
    expect(await card('executors')).to.match(/^Executors 2 live 0 lost · \d+\.\d\d tasks\/s$/);
    // Whether an episode is open now depends on where the demo's faults fall against the clock (none is open
    // in some runs), so the list must match the API's either way, and say so when it is empty.
    const shownEpisodes = async () => (await attributes(page, '[data-testid=open-episodes] li[data-episode]', 'data-episode')).sort();
    const openEpisodes = async () =>
      ((await call('GET', '/api/v1/episodes?open=true&limit=50', 'viewer')).body as { items: { id: string }[] }).items
        .map((e) => e.id)
        .sort();
    let apiOpen: string[] = [];
    let shown: (string | null)[] = [];
    await waitFor(async () => JSON.stringify((apiOpen = await openEpisodes())) === JSON.stringify((shown = await shownEpisodes())), {
      timeoutMs: 120_000,
      describe: () => `the open episodes listed as the API lists them: page ${JSON.stringify(shown)}, API ${JSON.stringify(apiOpen)}`,
    });
    if (apiOpen.length === 0) expect(await page.locator('[data-testid=open-episodes] li.muted').innerText()).to.equal('no open episode');
    await page.locator('[data-testid=feed-state][data-state=live]').waitFor({ timeout: 60_000 });
    await page.evaluate(`window.sameDocument = true`);
    const loads = async () => Number(await page.locator('[data-testid=window-states]').getAttribute('data-loads'));
    // Once subscribed the page reads everything again (the first load and the subscription); wait for that read.
    await waitFor(async () => (await loads()) >= 2, { timeoutMs: 120_000, describe: () => 'the re-read after subscribing' });
    const loadsBefore = await loads();
    const stored = async () => Number(await page.locator('[data-testid=stored-live]').getAttribute('data-count'));
    const storedBefore = await stored();

    // Windows stored by the executors (a run through the API, not the page) reach the open page by themselves.
    const run = await call('POST', '/api/v1/models/demo/pump-01-anomaly/runs', 'operator', { last: '2h', rerun: true });
    expect(run.status, JSON.stringify(run.body)).to.equal(202);
    let seen = storedBefore;
    await waitFor(async () => (seen = await stored()) >= storedBefore + Number(run.body.windows), {
      timeoutMs: 120_000,
      describe: () => `the overview to count the run's ${String(run.body.windows)} stored windows (was ${storedBefore}, now ${seen})`,
    });
    // The stored count rises as each event arrives; the reload it wakes is an HTTP round trip that may still be
    // under way (the poll is set to an hour, so only the events can have caused it).
    await waitFor(async () => (await loads()) > loadsBefore, {
      timeoutMs: 120_000,
      describe: () => `the counts to be reloaded after the window events (loads were ${loadsBefore})`,
    });
    expect(await page.locator('[data-testid=stored-live] a').first().textContent()).to.equal('demo/pump-01-anomaly');
    expect(await page.evaluate<boolean>('window.sameDocument === true'), 'updated without a reload').to.equal(true);
    expect(subscribes, 'one subscription, from now on').to.have.length(1);
    expect(subscribes[0]!.since).to.equal(undefined);

    // A lost connection: the page reconnects and subscribes again after the last event it saw, so the windows a
    // second run stores (while it is away or after) are counted too.
    const storedMid = await stored();
    await page.evaluate(`window.latigoFeeds.forEach((feed) => feed.dropConnection())`);
    const again = await call('POST', '/api/v1/models/demo/pump-01-anomaly/runs', 'operator', { last: '1h', rerun: true });
    expect(again.status, JSON.stringify(again.body)).to.equal(202);
    await waitFor(async () => (seen = await stored()) >= storedMid + Number(again.body.windows), {
      timeoutMs: 120_000,
      describe: () =>
        `the reconnected page to count the second run's ${String(again.body.windows)} windows (was ${storedMid}, now ${seen})`,
    });
    expect(subscribes, 'subscribed again after the lost connection').to.have.length(2);
    expect(subscribes[1]!.since, 'resumed after the last event seen').to.be.a('number').and.be.above(0);
    await page.locator('[data-testid=feed-state][data-state=live]').waitFor();
    await browser.screenshot(page, 'overview');

    await page.goto(`${origin}/#/model/demo/pump-01-anomaly`);
    await page.locator('[data-chart=score]').waitFor();
    await page.locator('[data-testid=ledger] tbody tr').first().waitFor();
    expect(await page.locator('[data-action]').count(), 'operator buttons shown to a viewer').to.equal(0);
    pageErrors.push(...errors);
    await context.close();
  });

  it("draws the model page (score, threshold and every tag with the model's output) and shades an injected fault", async () => {
    // An injected fault the model flagged: its anomalous rows are what the page must shade.
    const faults = db.all<Fault>('SELECT asset, sensor, kind, from_ms, to_ms FROM demo_fault ORDER BY from_ms');
    let chosen: { fault: Fault; timeMs: number } | undefined;
    for (const fault of faults) {
      const row = db.all<{ time_ms: number }>(
        `SELECT p.time_ms FROM prediction p WHERE p.model = ? AND p.is_anomaly = 1 AND p.time_ms >= ? AND p.time_ms < ? ORDER BY p.time_ms LIMIT 1`,
        `${fault.asset}-anomaly`,
        fault.from_ms,
        fault.to_ms,
      )[0];
      if (row !== undefined) {
        chosen = { fault, timeMs: row.time_ms };
        break;
      }
    }
    expect(chosen, `a detected fault among ${JSON.stringify(faults)}`).to.not.equal(undefined);
    const { fault, timeMs } = chosen!;
    const model = `${fault.asset}-anomaly`;

    const { context, page, errors } = await browser.page();
    await signIn(page, origin, testTokens.operator);
    await page.locator('nav').waitFor();
    await page.goto(`${origin}/#/model/demo/${model}`);
    await waitFor(() => page.evaluate<boolean>(`performance.getEntriesByName('latigo:model-complete').length > 0`), {
      timeoutMs: 120_000,
      describe: () => 'the model page to load',
    });
    const charts = await page.evaluate<{ name: string; series: number; points: number; painted: number; second: number }[]>(
      `Object.entries(window.latigoCharts).map(([name, u]) => {
        const { left, top, width, height } = u.bbox;
        const data = u.ctx.getImageData(left, top, width, height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        // The second series: the threshold on the score chart, the model's output on a tag's.
        const second = u.data[2].filter((v) => v !== null && v !== undefined).length;
        return { name, series: u.series.length, points: u.data[0].length, painted, second };
      })`,
    );
    expect(charts.map((c) => c.name).sort()).to.deep.equal(['score', ...Array.from({ length: 8 }, (_, t) => `tag-${t}`)].sort());
    for (const chart of charts) {
      expect(chart.series, `${chart.name}: x and two series`).to.equal(3);
      expect(chart.points, chart.name).to.equal(24 * 60); // 24 h at 60 s
      expect(chart.painted, `${chart.name}: painted pixels`).to.be.above(1_000);
      expect(chart.second, `${chart.name}: values of the threshold or the model's output`).to.be.above(0);
    }
    await browser.screenshot(page, 'model');
    if (process.env.LATIGO_UPDATE_DOCS_SCREENSHOT === '1') {
      // README's quick start shows this page (a viewport's worth, not the whole ledger).
      mkdirSync(join(repoRoot, 'docs'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'docs', 'model-page.png'), clip: { x: 0, y: 0, width: 1400, height: 1000 } });
    }

    // The flagged row inside the fault is shaded red on the score chart (zoomed to it, sampled above the lines).
    const shade = await page.evaluate<{ inside: number[]; before: number[] }>(`(() => {
      const u = window.latigoCharts.score;
      const t = ${timeMs / 1000};
      u.setScale('x', { min: t - 1800, max: t + 1800 });
      const at = (seconds) => [...u.ctx.getImageData(Math.round(u.valToPos(seconds, 'x', true)), u.bbox.top + 2, 1, 1).data];
      return { inside: at(t + 30), before: at(${fault.from_ms / 1000} - 1500) };
    })()`);
    expect(shade.inside[3], `shaded at the flagged row ${JSON.stringify(shade)}`).to.be.above(0);
    expect(shade.inside[0]! - shade.inside[2]!, 'red').to.be.above(20);

    // The fault's anomaly episode (GET .../episodes) is marked: an amber strip along the bottom of the plot over its
    // stretch, and none just before it.
    const listed = await call('GET', `/api/v1/models/demo/${model}/episodes?limit=100`, 'viewer');
    const episodes = (listed.body.items as { start: string; end: string | null }[]).map((e) => ({
      fromMs: Date.parse(e.start),
      toMs: e.end === null ? Date.now() : Date.parse(e.end),
    }));
    const episode = episodes.find((e) => e.fromMs <= timeMs && timeMs < e.toMs);
    expect(episode, `an episode over the flagged row among ${JSON.stringify(listed.body)}`).to.not.equal(undefined);
    // A model's episodes never overlap: runs of flagged rows closer than the gap are one episode.
    const byStart = [...episodes].sort((a, b) => a.fromMs - b.fromMs);
    byStart
      .slice(1)
      .forEach((e, i) => expect(e.fromMs, `disjoint episodes ${JSON.stringify(listed.body)}`).to.be.at.least(byStart[i]!.toMs));
    // The strip must be absent at a time before it that no episode comes near. Usually 20 minutes before, but the demo
    // plant's false alarms (its dates follow the clock) may have put an episode of their own there: then further back.
    const nearNoEpisode = (t: number) => !episodes.some((e) => e.fromMs - 5 * 60_000 <= t && t < e.toMs + 5 * 60_000);
    let clearBefore = episode!.fromMs - 20 * 60_000;
    while (!nearNoEpisode(clearBefore) && clearBefore > episode!.fromMs - 12 * 3_600_000) clearBefore -= 5 * 60_000;
    expect(nearNoEpisode(clearBefore), `a time without episodes in the 12 h before ${JSON.stringify(listed.body)}`).to.equal(true);
    expect(await page.locator('[data-testid=episode-count]').textContent()).to.match(/^\d+ in the range$/);
    // Sampled inside at the flagged row (the episode holds it): an open episode is listed as ending now, but its strip
    // ends at the newest stored prediction.
    const strip = await page.evaluate<{ inside: number[]; before: number[] }>(`(() => {
      const u = window.latigoCharts.score;
      u.setScale('x', { min: ${clearBefore / 1000 - 1800}, max: ${timeMs / 1000 + 1800} });
      const y = u.bbox.top + u.bbox.height - 2;
      const at = (seconds) => [...u.ctx.getImageData(Math.round(u.valToPos(seconds, 'x', true)), y, 1, 1).data];
      return { inside: at(${timeMs / 1000 + 30}), before: at(${clearBefore / 1000}) };
    })()`);
    const amber = ([r, g, b, a]: number[]) => a! > 200 && r! > 150 && g! > 70 && g! < r! && b! < 60;
    expect(amber(strip.inside), `amber episode strip inside the episode ${JSON.stringify(strip)}`).to.equal(true);
    expect(amber(strip.before), `no episode strip before it ${JSON.stringify(strip)}`).to.equal(false);
    await browser.screenshot(page, 'model-episode');

    // Picking the time shows every tag's contribution.
    await page.evaluate(`(() => {
      const u = window.latigoCharts.score;
      u.setScale('x', { min: ${timeMs / 1000 - 1800}, max: ${timeMs / 1000 + 1800} });
    })()`);
    const box = (await page.locator('[data-chart=score] .u-over').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 1, box.y + box.height / 2);
    await page.locator('[data-testid=contributions] .bar').nth(7).waitFor();
    expect(await page.locator('[data-testid=contributions] .bar').count()).to.equal(8);
    process.stdout.write(
      `    fault ${fault.kind} on ${fault.sensor}; contributions at the flagged row, largest first: ${(await page.locator('[data-testid=contributions] .bar .label').allTextContents()).slice(0, 3).join(', ')}\n`,
    );
    await browser.screenshot(page, 'model-contributions');
    pageErrors.push(...errors);
    await context.close();
  });

  it('labels the span dragged onto on the chart (operator), and draws the labelled interval on every chart', async () => {
    const model = 'pump-01-anomaly';
    const { context, page, errors } = await browser.page();
    await signIn(page, origin, testTokens.operator);
    await page.locator('nav').waitFor();
    await page.goto(`${origin}/#/model/demo/${model}`);
    await waitFor(() => page.evaluate<boolean>(`performance.getEntriesByName('latigo:model-complete').length > 0`), {
      timeoutMs: 120_000,
      describe: () => 'the model page to load',
    });
    await page
      .locator('[data-testid=label-count]')
      .filter({ hasText: /^\d+ labels$/ })
      .waitFor();
    const before = await call('GET', `/api/v1/models/demo/${model}/labels`, 'viewer');
    expect(before.status, JSON.stringify(before.body)).to.equal(200);

    // Drag across the middle fifth of the score chart (the user's zoom), then label what is shown.
    const box = (await page.locator('[data-chart=score] .u-over').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 });
    await page.mouse.up();
    const shown = await page.evaluate<{ min: number; max: number; full: number }>(
      `(() => { const u = window.latigoCharts.score; return { min: u.scales.x.min, max: u.scales.x.max, full: u.data[0][u.data[0].length - 1] - u.data[0][0] }; })()`,
    );
    expect(shown.max - shown.min, `zoomed in by the drag ${JSON.stringify(shown)}`).to.be.below(shown.full / 2);
    await page.fill('input[name=label]', 'pump-check');
    const [posted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/labels')),
      page.locator('[data-action=label-span]').click(),
    ]);
    expect(posted.status()).to.equal(201);
    await page.locator('[data-testid=label-status]').filter({ hasText: 'labelled' }).waitFor();

    const after = await call('GET', `/api/v1/models/demo/${model}/labels`, 'viewer');
    const added = (after.body.items as { from: string; to: string; label: string }[]).filter((l) => l.label === 'pump-check');
    expect(added, JSON.stringify(after.body)).to.have.length(1);
    expect(Date.parse(added[0]!.from) / 1000).to.be.closeTo(shown.min, 1);
    expect(Date.parse(added[0]!.to) / 1000).to.be.closeTo(shown.max, 1);
    await page
      .locator('[data-testid=label-count]')
      .filter({ hasText: `${(before.body.items as unknown[]).length + 1} labels` })
      .waitFor();

    // Every chart draws it: a violet strip along the top inside the interval, none well outside it.
    await page.dblclick('[data-chart=score] .u-over');
    const strips = await page.evaluate<{ name: string; inside: number[]; outside: number[] }[]>(
      `Object.entries(window.latigoCharts).map(([name, u]) => {
        u.setScale('x', { min: ${shown.min} - 3 * (${shown.max - shown.min}), max: ${shown.max} + 3 * (${shown.max - shown.min}) });
        const at = (seconds) => [...u.ctx.getImageData(Math.round(u.valToPos(seconds, 'x', true)), u.bbox.top + 1, 1, 1).data];
        return { name, inside: at(${(shown.min + shown.max) / 2}), outside: at(${shown.min} - 2 * (${shown.max - shown.min})) };
      })`,
    );
    const violet = ([r, g, b, a]: number[]) => a! > 200 && b! > 180 && r! > 90 && r! < 160 && g! < 90;
    expect(strips).to.have.length(9);
    for (const strip of strips) {
      expect(violet(strip.inside), `${strip.name}: violet label strip inside ${JSON.stringify(strip)}`).to.equal(true);
      expect(violet(strip.outside), `${strip.name}: no label strip outside ${JSON.stringify(strip)}`).to.equal(false);
    }
    await browser.screenshot(page, 'model-label');
    pageErrors.push(...errors);
    await context.close();
  });

  it('runs a model now and re-runs the shown range from the page, and the runs store predictions', async () => {
    const { context, page, errors } = await browser.page();
    await signIn(page, origin, testTokens.operator);
    await page.locator('nav').waitFor();
    await page.goto(`${origin}/#/model/demo/compressor-01-anomaly`);
    await page.locator('[data-action=run-now]').waitFor();
    await page.locator('[data-testid=feed-state][data-state=live]').waitFor({ timeout: 60_000 });
    // The chart reads each window the live feed reports stored, by the window's own range.
    const predictionReads: { fromMs: number; toMs: number }[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('/predictions') && url.searchParams.get('format') === 'columns')
        predictionReads.push({ fromMs: Date.parse(url.searchParams.get('from')!), toMs: Date.parse(url.searchParams.get('to')!) });
    });
    const clickedAt = Date.now();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/runs')),
      page.locator('[data-action=run-now]').click(),
    ]);
    expect(response.status()).to.equal(202);
    const run = (await response.json()) as { id: string; from: string; to: string; windows: number };
    await page.locator('[data-testid=run-status][data-state=finished]').waitFor({ timeout: 180_000 });

    const finished = await call('GET', `/api/v1/runs/${run.id}`, 'viewer');
    expect(finished.body.state).to.equal('finished');
    expect((finished.body.windowsByState as Record<string, number>).succeeded)
      .to.equal(run.windows)
      .and.be.above(0);
    const range = `from=${encodeURIComponent(run.from)}&to=${encodeURIComponent(run.to)}`;
    const windows = await call('GET', `/api/v1/models/demo/compressor-01-anomaly/windows?${range}&limit=100`, 'viewer');
    const items = windows.body.items as { from: string; to: string; finishedAt: string; state: string }[];
    expect(items).to.have.length(run.windows);
    for (const w of items) expect(Date.parse(w.finishedAt), 'predicted again after the click').to.be.at.least(clickedAt - 1_000);
    const predictions = await call('GET', `/api/v1/models/demo/compressor-01-anomaly/predictions?${range}&fields=details`, 'viewer');
    expect((predictions.body.items as unknown[]).length, 'predictions of the run').to.be.above(0);
    await waitFor(() => items.every((w) => predictionReads.some((r) => r.fromMs === Date.parse(w.from) && r.toMs === Date.parse(w.to))), {
      timeoutMs: 60_000,
      describe: () => `the page to read each stored window of the run as its event arrived: ${JSON.stringify(predictionReads)}`,
    });

    // Re-run the shown range (6 h, after the confirmation): a run over exactly that span, followed to its end.
    await page.locator('.toolbar button', { hasText: /^6h$/ }).click();
    page.once('dialog', (dialog) => void dialog.accept());
    const [rerun] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/runs')),
      page.locator('[data-action=rerun-range]').click(),
    ]);
    expect(rerun.status()).to.equal(202);
    const ranged = (await rerun.json()) as { id: string; from: string; to: string; windows: number };
    expect(Date.parse(ranged.to) - Date.parse(ranged.from), 'the shown 6 h').to.equal(6 * 3_600_000);
    expect(ranged.windows).to.equal(36);
    await page
      .locator(`[data-testid=run-status][data-state=finished]`, { hasText: `run ${ranged.id.slice(0, 8)}` })
      .waitFor({ timeout: 180_000 });
    const rangedDone = await call('GET', `/api/v1/runs/${ranged.id}`, 'viewer');
    expect((rangedDone.body.windowsByState as Record<string, number>).succeeded).to.equal(36);

    await page.locator('nav a[href="#/runs"]').click();
    const row = page.locator(`tr[data-run="${run.id}"]`);
    await row.waitFor();
    await waitFor(async () => (await row.getAttribute('data-state')) === 'finished', {
      timeoutMs: 30_000,
      describe: () => 'the run listed finished',
    });
    await page.locator('[data-testid=backfills]').waitFor();
    await browser.screenshot(page, 'runs');
    await page.locator('nav a[href="#/dead-letters"]').click();
    await page.locator('[data-testid=no-dead-letters]').waitFor();
    await browser.screenshot(page, 'dead-letters-empty');
    await page.locator('nav a[href="#/models"]').click();
    await page.locator('.vrow[data-model]').nth(1).waitFor();
    await browser.screenshot(page, 'models-demo');
    pageErrors.push(...errors);
    await context.close();
  });

  it("draws a forecast model's latest forecast per tag with its interval, beside the tags' actuals and one-step forecasts", async () => {
    // The suite's demo has no forecast model (demo.job_kinds false): define a small one on two of pump-01's tags
    // (an hourly season at the demo's 1-minute rows, four seasons fitted, half an hour ahead) and run it.
    const model = 'pump-01-forecast-web';
    const source = await call('GET', '/api/v1/models/demo/pump-01-anomaly', 'viewer');
    const tags = (source.body.tags as { name: string }[]).slice(0, 2).map((t) => t.name);
    expect(tags, JSON.stringify(source.body)).to.have.length(2);
    const defined = await call('POST', '/api/v1/models', 'admin', {
      project: 'demo',
      name: model,
      kind: 'forecast',
      tags,
      resolution: '60s',
      // The demo's training range (its seeded points have no recorded watermarks for first_hours to resolve against).
      training: source.body.trainingRange,
      parameters: {
        method: 'holt_winters',
        trend: 'damped',
        season_length: 60,
        max_n_points: 240,
        horizon: 30,
        refit_interval_ms: 3_600_000,
      },
    });
    expect(defined.status, JSON.stringify(defined.body)).to.equal(201);
    const run = await call('POST', `/api/v1/models/demo/${model}/runs`, 'operator', { last: '1h', rerun: true });
    expect(run.status, JSON.stringify(run.body)).to.equal(202);
    let state: unknown;
    await waitFor(async () => (state = (await call('GET', `/api/v1/runs/${String(run.body.id)}`, 'viewer')).body.state) === 'finished', {
      timeoutMs: 180_000,
      describe: () => `the forecast model's run to finish (state ${String(state)})\n${output()}`,
    });
    const forecast = await call('GET', `/api/v1/models/demo/${model}/forecast`, 'viewer');
    expect(forecast.status, JSON.stringify(forecast.body)).to.equal(200);
    const points = forecast.body.points as unknown[];
    expect(points, 'the horizon of 30 steps').to.have.length(30);
    expect(forecast.body.tags).to.deep.equal(tags);

    const { context, page, errors } = await browser.page();
    await signIn(page, origin, testTokens.viewer);
    await page.locator('nav').waitFor();
    // The forecast the page read (a scheduled window may issue a newer one after the API call above).
    const read = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/models/demo/${model}/forecast`, { timeout: 120_000 });
    await page.goto(`${origin}/#/model/demo/${model}`);
    await waitFor(() => page.evaluate<boolean>(`performance.getEntriesByName('latigo:model-complete').length > 0`), {
      timeoutMs: 120_000,
      describe: () => 'the model page to load',
    });
    const shown = (await (await read).json()) as {
      tags: string[];
      points: { yhat: Record<string, number>; lower: Record<string, number>; upper: Record<string, number> }[];
    };
    expect(shown.tags).to.deep.equal(tags);
    await page.locator('[data-testid=forecast] [data-chart=forecast-1]').waitFor({ timeout: 120_000 });
    // What uPlot holds and drew: series labels, the values of each series and the plot's painted pixels.
    const drawn = (prefix: string) =>
      page.evaluate<{ name: string; labels: string[]; values: (number | null)[][]; points: number; painted: number }[]>(
        `Object.entries(window.latigoCharts).filter(([name]) => name.startsWith('${prefix}-')).sort().map(([name, u]) => {
          const { left, top, width, height } = u.bbox;
          const pixels = u.ctx.getImageData(left, top, width, height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          return { name, labels: u.series.slice(1).map((s) => s.label), values: u.data.slice(1).map((v) => [...v]), points: u.data[0].length, painted };
        })`,
      );
    let charts: Awaited<ReturnType<typeof drawn>> = [];
    await waitFor(async () => (charts = await drawn('forecast')).length === 2 && charts.every((c) => c.painted > 0), {
      timeoutMs: 60_000,
      describe: () =>
        `both forecast charts drawn: ${JSON.stringify(charts.map((c) => ({ name: c.name, points: c.points, painted: c.painted })))}`,
    });
    for (const chart of charts) {
      expect(chart.labels, chart.name).to.deep.equal(['forecast', 'lower', 'upper']);
      expect(chart.points, chart.name).to.equal(30);
      const [yhat, lower, upper] = chart.values as [(number | null)[], (number | null)[], (number | null)[]];
      for (let i = 0; i < chart.points; i++) {
        const at = `${chart.name} point ${i}: ${lower[i]} <= ${yhat[i]} <= ${upper[i]}`;
        expect([yhat[i], lower[i], upper[i]].every(Number.isFinite), at).to.equal(true);
        expect(lower[i]!, at).to.be.at.most(yhat[i]!);
        expect(yhat[i]!, at).to.be.at.most(upper[i]!);
      }
      expect(
        upper.some((u, i) => u! > lower[i]!),
        `${chart.name}: an interval of some width`,
      ).to.equal(true);
    }
    // The page draws exactly the forecast it read.
    tags.forEach((tag, t) => {
      const [yhat, lower, upper] = charts[t]!.values;
      expect(yhat, tag).to.deep.equal(shown.points.map((p) => p.yhat[tag]));
      expect(lower, tag).to.deep.equal(shown.points.map((p) => p.lower[tag]));
      expect(upper, tag).to.deep.equal(shown.points.map((p) => p.upper[tag]));
    });
    // The tags' charts above: each tag's actual values and the model's one-step forecast drawn over the run's hour.
    const tagCharts = await drawn('tag');
    expect(tagCharts.map((c) => c.name)).to.deep.equal(['tag-0', 'tag-1']);
    for (const chart of tagCharts) {
      expect(chart.painted, chart.name).to.be.above(0);
      expect(chart.labels, chart.name).to.deep.equal([tags[Number(chart.name.slice(4))], 'model output']);
      for (const [s, values] of chart.values.entries())
        expect(values.filter(Number.isFinite).length, `${chart.name} ${chart.labels[s]} values`).to.be.at.least(30);
    }
    await browser.screenshot(page, 'model-forecast');
    pageErrors.push(...errors);
    await context.close();
  });

  it('loaded everything from the API process: every other origin was blocked, and none was asked for', () => {
    expect(browser.blocked).to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});
