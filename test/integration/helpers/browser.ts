import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (test/setup/provision.ts installs it when missing and running as root). */
export const CHROMIUM = process.env.LATIGO_TEST_CHROMIUM || '/usr/bin/chromium';

/** Where the browser tests leave their screenshots: artefacts, ignored by git (only docs/model-page.png is committed). */
export const ARTEFACTS = join(process.cwd(), 'test-artifacts', 'web');

/**
 * A headless Chromium with a fresh profile (each launch), and pages that can reach nothing but `origin`: every request to
 * another origin is aborted and recorded, so a test proves the page works from the API's own files alone.
 */
export class TestBrowser {
  readonly blocked: string[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly origin: string,
  ) {}

  static async launch(origin: string): Promise<TestBrowser> {
    // playwright-core gives every launch a fresh, temporary user-data-dir (and refuses --user-data-dir here).
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTEFACTS, { recursive: true });
    return new TestBrowser(browser, origin);
  }

  /** A new context (its own session storage) and page, limited to the API's origin. */
  async page(viewport = { width: 1400, height: 1000 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await this.browser.newContext({ viewport, deviceScaleFactor: 1 });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === this.origin) return route.continue();
      this.blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => {
      // The page asks /session once without a token (an API without tokens answers as local admin); Chromium
      // logs the 401 of an API with tokens as a failed resource. That one is expected; every other error counts.
      // Likewise the 404 of /forecast for a model that is not a forecast model.
      const expected =
        /^Failed to load resource: .* 401 \(Unauthorized\)$/.test(message.text()) ||
        (/^Failed to load resource: .* 404 \(Not Found\)$/.test(message.text()) && message.location().url.endsWith('/forecast'));
      if (message.type() === 'error' && !expected) errors.push(message.text());
    });
    return { context, page, errors };
  }

  async screenshot(page: Page, name: string, path = join(ARTEFACTS, `${name}.png`)): Promise<string> {
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => {});
  }
}

/** Signs in through the login form with `token`. */
export async function signIn(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/#/`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
}
