import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// `npm start`'s prestart in a scratch tree whose "tsc" only records that it ran and writes the bin, so
// the test watches the freshness decision, not the TypeScript compiler.
describe('scripts/build-if-stale.mjs (npm start builds only when sources changed)', () => {
  let root: string;
  const tscRuns = () =>
    existsSync(join(root, 'tsc-runs')) ? readFileSync(join(root, 'tsc-runs'), 'utf8').split('\n').filter(Boolean).length : 0;
  const prestart = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'scripts/build-if-stale.mjs'), ...args], { cwd: root, encoding: 'utf8' });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'latigo-prestart-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(repoRoot, 'scripts/build-if-stale.mjs'), join(root, 'scripts/build-if-stale.mjs'));
    mkdirSync(join(root, 'node_modules/typescript/bin'), { recursive: true });
    writeFileSync(
      join(root, 'node_modules/typescript/bin/tsc'),
      [
        "const fs = require('node:fs');",
        "fs.appendFileSync('tsc-runs', 'ran\\n');",
        "fs.mkdirSync('dist/src', { recursive: true });",
        "fs.writeFileSync('dist/src/cli.js', '');",
      ].join('\n'),
    );
    // ...and a "vite" that records its runs too: the web page is built after the TypeScript.
    mkdirSync(join(root, 'node_modules/vite/bin'), { recursive: true });
    writeFileSync(
      join(root, 'node_modules/vite/bin/vite.js'),
      ["const fs = require('node:fs');", "fs.appendFileSync('vite-runs', process.argv.slice(2).join(' ') + '\\n');"].join('\n'),
    );
    writeFileSync(join(root, 'node_modules/vite/package.json'), '{"type":"commonjs"}\n');
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(root, 'node_modules/typescript/package.json'), '{"type":"commonjs"}\n');
    writeFileSync(join(root, 'tsconfig.json'), '{}\n');
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src/cli.ts'), 'export {};\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds on the first run, saying it takes about a minute, and not again while nothing changed', () => {
    const first = prestart();
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stderr).to.contain('building (first run takes about a minute)');
    expect(tscRuns()).to.equal(1);
    expect(readFileSync(join(root, 'vite-runs'), 'utf8')).to.equal(`build --config ${join(root, 'web', 'vite.config.ts')}\n`);
    const second = prestart();
    expect(second.status).to.equal(0);
    expect(second.stderr).to.equal('');
    expect(tscRuns()).to.equal(1);
  });

  it('builds again after a source is edited, added or deleted', () => {
    prestart();
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'src/cli.ts'), later, later);
    expect(prestart().stderr).to.contain('sources changed; building');
    expect(tscRuns()).to.equal(2);
    writeFileSync(join(root, 'src/extra.ts'), 'export {};\n');
    utimesSync(join(root, 'src/extra.ts'), new Date(0), new Date(0)); // an old file copied in still counts
    prestart();
    expect(tscRuns()).to.equal(3);
    rmSync(join(root, 'src/extra.ts'));
    prestart();
    expect(tscRuns()).to.equal(4);
    rmSync(join(root, 'dist/src/cli.js')); // the stamp says fresh, but the bin is gone
    prestart();
    expect(tscRuns()).to.equal(5);
  });

  it('takes a plain `npm run build` (postbuild --stamp-only) as a build', () => {
    mkdirSync(join(root, 'dist/src'), { recursive: true });
    writeFileSync(join(root, 'dist/src/cli.js'), '');
    expect(prestart('--stamp-only').status).to.equal(0);
    expect(prestart().stderr).to.equal('');
    expect(tscRuns()).to.equal(0);
  });
});
