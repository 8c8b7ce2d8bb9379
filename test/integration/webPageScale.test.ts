import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ApiProcess, apiSection, testTokens } from './helpers/api.js';
import { TestBrowser, signIn } from './helpers/browser.js';
import { seedWebPlant, storeWeekWindow, type WebPlant } from './helpers/webPlant.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

const MODELS = 9_000;
const TARGET_MS = 100;

/** One JSON line per figure, in the benchmarks' shape (BENCHMARKS.md), so a run's log can be grepped for them. */
function report(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  const line = { suite: 'web', metric, value: Math.round(value * 10) / 10, unit, ...extra };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Times one interaction in the page with the Performance API: from the change to the second animation frame
 * after it (Preact has rendered and the browser has laid out and painted the new rows), as a `measure` entry.
 */
async function timed(page: Page, name: string, action: string): Promise<number> {
  // The page's code is written as text: this file is compiled for Node, without the DOM's types.
  return page.evaluate<number>(`(async () => {
    const name = ${JSON.stringify(name)};
    const [kind, argument = ''] = ${JSON.stringify(action)}.split(':');
    const viewport = document.querySelector('[data-testid=models-viewport]');
    const search = document.querySelector('input[name=search]');
    const project = document.querySelector('select[name=project]');
    performance.mark(name + ':start');
    if (kind === 'scroll') viewport.scrollTop = Number(argument);
    if (kind === 'search') {
      search.value = argument;
      search.dispatchEvent(new Event('input', { bubbles: true }));
    }
    if (kind === 'project') {
      project.value = argument;
      project.dispatchEvent(new Event('change', { bubbles: true }));
    }
    if (kind === 'sort') document.querySelector('button[data-sort=' + argument + ']').click();
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.measure(name, name + ':start').duration;
  })()`);
}

/** The models the table has in the DOM now, top to bottom. */
const renderedModels = (page: Page) =>
  page.evaluate<{ model: string; top: number }[]>(`[...document.querySelectorAll('.vrow[data-model]')]
    .map((r) => ({ model: r.getAttribute('data-model'), top: parseFloat(r.style.top) }))
    .sort((a, b) => a.top - b.top)`);

describe('web page at scale: 9,000 models and a week of 10 s data (real latigo api, Debian Chromium via playwright-core)', function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let plant: WebPlant;
  let api: ApiProcess;
  let browser: TestBrowser;
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(600_000); // seeding half a million points on a loaded 2-core machine
    workspace = new Workspace('web-scale');
    plant = await seedWebPlant(workspace.databasePath, { models: MODELS, tags: 8, deadLetters: 3, nowMs: Date.now() });
    const config = workspace.writeConfig(
      workspace.testConfig({ api: apiSection({ default_page_size: 100, max_page_size: 1000, catalog_cache: '30s' }) }),
    );
    api = await ApiProcess.start(config, workspace.dir);
    browser = await TestBrowser.launch(new URL(api.baseUrl).origin);
  });

  after(async () => {
    await browser?.close();
    api?.stop();
    workspace?.remove();
  });

  it('shows a clear message for a bad token and keeps nothing', async () => {
    const { context, page, errors } = await browser.page();
    await signIn(page, browser.origin, 'not-a-token-of-this-deployment');
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    expect(await alert.textContent()).to.match(/refused by the latigo API: the token is not valid/);
    expect(await page.evaluate<number>('sessionStorage.length')).to.equal(0);
    expect(await page.locator('nav').count()).to.equal(0);
    await browser.screenshot(page, 'login-bad-token');
    pageErrors.push(...errors);
    await context.close();
  });

  it('scrolls, filters and sorts the 9,000-model table in about 100 ms per interaction (Performance API)', async () => {
    const { context, page, errors } = await browser.page();
    await signIn(page, browser.origin, testTokens.viewer);
    await page.locator('nav a[href="#/models"]').click();
    await page.locator('.vrow[data-model]').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('h1 .small').textContent()).to.equal(
      `${plant.models.toLocaleString('en')} of ${plant.models.toLocaleString('en')}`,
    );
    const domRows = await page.locator('.vrow[data-model]').count();
    expect(domRows, 'virtualised: only the rows in view are in the DOM').to.be.below(80);

    const scrolls: number[] = [];
    for (const [k, rowIndex] of [1_000, 4_500, 8_900, 2_000, 6_000].entries()) {
      scrolls.push(await timed(page, `scroll-${k}`, `scroll:${rowIndex * 28}`));
      const rows = await renderedModels(page);
      const top = await page.evaluate<number>("document.querySelector('[data-testid=models-viewport]').scrollTop");
      expect(rows[0]!.top, `rows rendered at scroll ${top}`).to.be.at.most(top);
      expect(rows.at(-1)!.top).to.be.at.least(top + 500);
    }
    const filters = [
      await timed(page, 'search', 'search:model-0042'),
      await timed(page, 'search-clear', 'search:'),
      await timed(page, 'project', 'project:fleet-b'),
    ];
    expect(await page.locator('h1 .small').textContent()).to.equal(`3,000 of ${plant.models.toLocaleString('en')}`);
    await timed(page, 'project-all', 'project:');
    await timed(page, 'search-again', 'search:model-0042');
    expect((await renderedModels(page)).map((r) => r.model).sort()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `model-0042${i}`));
    await timed(page, 'search-clear-2', 'search:');
    const sorts = [await timed(page, 'sort-anomaly', 'sort:anomaly'), await timed(page, 'sort-freshness', 'sort:freshness')];
    await page.locator('button[data-sort=anomaly]').click();
    expect((await renderedModels(page))[0]!.model, 'the only model with anomalies sorts first').to.equal('compressor-7');
    await browser.screenshot(page, 'models');

    const figures = { scroll: scrolls, filter: filters, sort: sorts };
    for (const [kind, values] of Object.entries(figures)) {
      const value = median(values);
      report(`models_table_${kind}_ms`, value, 'ms', {
        target: `<=${TARGET_MS}`,
        meets: value <= TARGET_MS,
        max: Math.round(Math.max(...values)),
        models: plant.models,
        measured: 'Performance API in the page: change to the second animation frame after it',
      });
      // Asserted loosely: the machine is shared; a table that re-renders all 9,000 rows takes seconds.
      expect(Math.max(...values), `${kind}: ${values.map(Math.round).join(', ')} ms`).to.be.below(1_000);
    }
    pageErrors.push(...errors);
    await context.close();
  });

  it('draws a week at 10 s of 8 tags (about 480k points), shades the anomalous stretches, and prints time to first chart and JS heap', async () => {
    const { context, page, errors } = await browser.page();
    await signIn(page, browser.origin, testTokens.viewer);
    await page.locator('nav').waitFor();
    const { project, model, rows, tags } = plant.weekModel;
    // Timed from a fresh navigation (the page's own load is part of the figure), opened from another page as a link
    // would be: a hash change then a reload would leave the api still reading what the abandoned page asked for.
    // The token stays in the tab's session storage.
    await page.goto('about:blank');
    await page.goto(`${browser.origin}/#/model/${project}/${model}/7d`);
    // Polled through the DevTools protocol: the page's CSP (script-src 'self') refuses Playwright's string predicates.
    await waitFor(() => page.evaluate<boolean>(`performance.getEntriesByName('latigo:model-complete').length > 0`), {
      timeoutMs: 240_000,
      describe: () => 'the model page to load a week of data',
    });
    const marks = await page.evaluate<{ firstChart: number; loadStart: number; complete: number; scripts: number; described: number }>(`({
      firstChart: performance.getEntriesByName('latigo:first-chart')[0].startTime,
      loadStart: performance.getEntriesByName('latigo:model-load')[0].startTime,
      complete: performance.getEntriesByName('latigo:model-complete')[0].startTime,
      scripts: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
      described: performance.getEntriesByType('resource').find((r) => r.name.endsWith('/models/${project}/${model}')).responseEnd,
    })`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');

    const charts = await page.evaluate<{ name: string; series: number; points: number }[]>(
      `Object.entries(window.latigoCharts).map(([name, u]) => ({ name, series: u.series.length, points: u.data[0].length }))`,
    );
    expect(charts.map((c) => c.name).sort()).to.deep.equal(['score', ...Array.from({ length: tags }, (_, t) => `tag-${t}`)].sort());
    for (const chart of charts) expect(chart, chart.name).to.include({ series: 3, points: rows });

    // Pixels: the score chart's canvas is drawn, and the anomalous stretch is shaded where it lies.
    const anomaly = plant.anomalies[1]!;
    const pixels = await page.evaluate<{ drawn: number; inside: Rgba; outside: Rgba }>(`(() => {
      const [from, to] = [${anomaly.fromMs / 1000}, ${anomaly.toMs / 1000}];
      const u = window.latigoCharts.score;
      u.setScale('x', { min: from - 3600, max: to + 3600 });
      const { top, height, left, width } = u.bbox;
      const data = u.ctx.getImageData(left, top, width, height).data;
      let drawn = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) drawn++;
      const sample = (seconds) => {
        const [r, g, b, a] = u.ctx.getImageData(Math.round(u.valToPos(seconds, 'x', true)), top + 2, 1, 1).data;
        return { r, g, b, a };
      };
      return { drawn, inside: sample((from + to) / 2), outside: sample(from - 1800) };
    })()`);
    expect(pixels.drawn, 'painted pixels in the score plot').to.be.above(1_000);
    expect(pixels.inside.a, `inside the anomalous stretch ${JSON.stringify(pixels.inside)}`).to.be.above(0);
    expect(pixels.inside.r - pixels.inside.b, 'red shade').to.be.above(20);
    // Outside it no red shade: the pixel may still carry a grid line or the antialiased edge of a series.
    expect(pixels.outside.r - pixels.outside.b, `no red shade outside it ${JSON.stringify(pixels.outside)}`).to.be.at.most(20);
    await browser.screenshot(page, 'model-week');

    report('time_to_first_chart_ms', marks.firstChart, 'ms', {
      target: '<=1500',
      meets: marks.firstChart <= 1_500,
      from: 'navigation start (page load, sign-in check, sensor data request, first uPlot draw)',
      rows,
      tags,
      points: rows * tags,
      page_loaded_ms: Math.round(marks.scripts),
      model_described_ms: Math.round(marks.described),
      load_to_first_chart_ms: Math.round(marks.firstChart - marks.loadStart),
    });
    report('time_to_complete_chart_ms', marks.complete, 'ms', { what: 'sensor data and every page of predictions drawn', rows });
    report('page_js_heap_mb', heap.usedSize / 1e6, 'MB', {
      total_mb: Math.round(heap.totalSize / 1e6),
      after: 'a forced garbage collection',
    });
    expect(marks.firstChart, 'time to first chart (loosely: target 1.5 s on an idle 2-core machine)').to.be.below(30_000);
    pageErrors.push(...errors);
    await context.close();
  });

  it('re-drives a dead letter from the page, which empties it; a viewer sees no re-drive or run buttons', async () => {
    const viewer = await browser.page();
    await signIn(viewer.page, browser.origin, testTokens.viewer);
    await viewer.page.locator('nav a[href="#/dead-letters"]').click();
    await viewer.page.locator('tr[data-dead-letter]').nth(2).waitFor();
    expect(await viewer.page.locator('[data-action]').count(), 'operator buttons shown to a viewer').to.equal(0);
    await viewer.page.goto(`${browser.origin}/#/model/${plant.weekModel.project}/${plant.weekModel.model}`);
    await viewer.page.locator('[data-testid=ledger]').waitFor();
    await viewer.page.locator('[data-chart=score]').waitFor();
    expect(await viewer.page.locator('[data-action]').count(), 'run buttons shown to a viewer').to.equal(0);
    expect(await viewer.page.locator('.who').getAttribute('data-role')).to.equal('viewer');
    pageErrors.push(...viewer.errors);
    await viewer.context.close();

    const operator = await browser.page();
    await signIn(operator.page, browser.origin, testTokens.operator);
    await operator.page.locator('nav a[href="#/dead-letters"]').click();
    const rows = operator.page.locator('tr[data-dead-letter]');
    await rows.nth(2).waitFor();
    expect(await rows.count()).to.equal(plant.deadLetterIds.length);
    await operator.page.locator('[data-action=redrive-all]').waitFor();
    const target = (await rows.first().getAttribute('data-dead-letter'))!;
    await browser.screenshot(operator.page, 'dead-letters');
    await operator.page.locator(`tr[data-dead-letter="${target}"] button[data-action=redrive]`).click();
    await operator.page.locator('[role=status]').waitFor();
    expect(await operator.page.locator('[role=status]').textContent()).to.match(/^Re-drove 1 message; \d+ windows? queued again\.$/);
    await waitFor(async () => (await rows.count()) === plant.deadLetterIds.length - 1, {
      timeoutMs: 30_000,
      describe: () => 'the row to go',
    });
    expect(await operator.page.locator(`tr[data-dead-letter="${target}"]`).count()).to.equal(0);

    const after = await api.request('GET', '/api/v1/dead-letters', { as: 'viewer' });
    const left = (after.body as { items: { id: string }[] }).items.map((d) => d.id);
    expect(left).to.not.include(target);
    expect(left).to.have.length(plant.deadLetterIds.length - 1);
    const queue = await api.request('GET', '/api/v1/queue', { as: 'viewer' });
    expect((queue.body as { depth: { ready: number } }).depth.ready, 'the re-driven message is back on the queue').to.equal(1);
    pageErrors.push(...operator.errors);
    await operator.context.close();
  });

  it('lists backfill jobs with progress; an operator pauses, resumes and cancels one from the page, a viewer sees no buttons', async () => {
    // No scheduler runs here, so the job stays where the page's buttons put it.
    const { project, model, fromMs } = plant.weekModel;
    const created = await api.request('POST', '/api/v1/backfills', {
      as: 'operator',
      body: { from: new Date(fromMs).toISOString(), to: new Date(fromMs + 86_400_000).toISOString(), models: [`${project}/${model}`] },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(202);
    const id = (created.body as { id: string }).id;
    const stateOf = async () => ((await api.request('GET', `/api/v1/backfills/${id}`)).body as { state: string }).state;

    const viewer = await browser.page();
    await signIn(viewer.page, browser.origin, testTokens.viewer);
    await viewer.page.locator('nav a[href="#/runs"]').click();
    await viewer.page.locator(`tr[data-backfill="${id}"]`).waitFor();
    expect(await viewer.page.locator('[data-action]').count(), 'backfill buttons shown to a viewer').to.equal(0);
    pageErrors.push(...viewer.errors);
    await viewer.context.close();

    const { context, page, errors } = await browser.page();
    page.on('dialog', (dialog) => void dialog.accept());
    await signIn(page, browser.origin, testTokens.operator);
    await page.locator('nav a[href="#/runs"]').click();
    const row = page.locator(`tr[data-backfill="${id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).to.equal('pending');
    expect(await row.locator('progress').count()).to.equal(1);
    await row.locator('button[data-action=pause]').click();
    await page.locator(`tr[data-backfill="${id}"][data-state=paused]`).waitFor();
    expect(await stateOf()).to.equal('paused');
    await row.locator('button[data-action=resume]').click();
    await page.locator(`tr[data-backfill="${id}"][data-state=pending]`).waitFor();
    expect(await stateOf(), 'resumed: waiting for a scheduler').to.equal('pending');
    await row.locator('button[data-action=cancel]').click();
    await page.locator(`tr[data-backfill="${id}"][data-state=cancelled]`).waitFor();
    expect(await stateOf()).to.equal('cancelled');
    expect(await row.locator('[data-action]').count(), 'no buttons on an ended job').to.equal(0);
    await browser.screenshot(page, 'backfills');
    pageErrors.push(...errors);
    await context.close();
  });

  it("draws a window stored before the model page's live feed subscribed (no event comes for it) once the feed is live", async () => {
    const { context, page, errors } = await browser.page();
    await signIn(page, browser.origin, testTokens.viewer);
    await page.locator('nav').waitFor();
    // The page's subscribe message is held until the window below is stored: its event (had there been one)
    // would have gone out before the subscription, so the page learns of the window only by asking.
    let releaseSubscribe!: () => void;
    const subscribeHeld = new Promise<void>((resolve) => (releaseSubscribe = resolve));
    let subscribes = 0;
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage(async (message) => {
        if (typeof message === 'string' && message.includes('"subscribe"')) {
          subscribes++;
          await subscribeHeld;
        }
        server.send(message);
      });
    });
    const { project, model } = plant.weekModel;
    await page.goto('about:blank');
    await page.goto(`${browser.origin}/#/model/${project}/${model}/6h`);
    await waitFor(() => page.evaluate<boolean>(`performance.getEntriesByName('latigo:model-complete').length > 0`), {
      timeoutMs: 120_000,
      describe: () => 'the model page to load 6 h',
    });
    await waitFor(() => subscribes > 0, { timeoutMs: 60_000, describe: () => 'the page to send its subscribe message' });
    const chartEnd = () =>
      page.evaluate<number>(`(() => { const x = window.latigoCharts.score.data[0]; return x[x.length - 1] * 1000; })()`);
    const before = await chartEnd();
    // A window wholly after the chart's end, stored now.
    const fromMs = Math.ceil((before + 1) / 600_000) * 600_000;
    const toMs = fromMs + 600_000;
    await storeWeekWindow(workspace.databasePath, plant, fromMs, toMs);
    expect(await page.locator('[data-testid=feed-state]').getAttribute('data-state'), 'not subscribed yet').to.not.equal('live');
    expect(await chartEnd(), 'the chart does not have the window yet').to.be.below(fromMs);

    releaseSubscribe();
    await page.locator('[data-testid=feed-state][data-state=live]').waitFor({ timeout: 60_000 });
    const scoresOfWindow = () =>
      page.evaluate<number>(`(() => {
        const u = window.latigoCharts.score;
        let n = 0;
        u.data[0].forEach((t, i) => { if (t * 1000 >= ${fromMs} && t * 1000 < ${toMs} && u.data[1][i] !== null && u.data[1][i] !== undefined) n++; });
        return n;
      })()`);
    let drawn = 0;
    await waitFor(async () => (drawn = await scoresOfWindow()) === 60, {
      timeoutMs: 60_000,
      describe: () => `the window's 60 scores on the chart (${drawn} drawn)`,
    });
    expect(await chartEnd(), 'the chart reaches the window').to.equal(toMs - 10_000);
    pageErrors.push(...errors);
    await context.close();
  });

  it('loaded everything from the API process: every other origin was blocked, and none was asked for', () => {
    expect(browser.blocked).to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});
