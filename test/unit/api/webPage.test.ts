import { expect } from 'chai';
import Fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerWebPage } from '../../../src/api/webPage.js';
import { silentLogger } from '../../../src/runtime/logger.js';

describe('registerWebPage', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'latigo-web-'));
    mkdirSync(join(folder, 'assets'));
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>latigo</title><script src="./assets/index-abc.js"></script>');
    writeFileSync(join(folder, 'assets', 'index-abc.js'), 'console.log(1)');
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('serves index.html at / with a same-origin Content-Security-Policy, revalidated; hashed assets cached for long', async () => {
    const app = Fastify();
    await registerWebPage(app, silentLogger, folder);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect(page.body).to.contain('<title>latigo</title>');
    expect(page.headers['content-security-policy'])
      .to.contain("default-src 'self'")
      .and.contain("script-src 'self'")
      .and.contain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).to.equal('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(asset.statusCode).to.equal(200);
    expect(asset.headers['cache-control']).to.contain('immutable');
    expect(asset.headers['x-content-type-options']).to.equal('nosniff');
    expect((await app.inject({ method: 'GET', url: '/assets/other.js' })).statusCode).to.equal(404);
    await app.close();
  });

  it('answers / with 503 saying how to build the page when it was not built', async () => {
    const app = Fastify();
    await registerWebPage(app, silentLogger, undefined);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).to.equal(503);
    expect(page.body).to.contain('npm run build');
    await app.close();
  });
});
