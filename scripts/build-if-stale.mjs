#!/usr/bin/env node
// `npm start`'s prestart: runs the TypeScript build only when a source changed since the last build, so an
// unchanged tree starts in seconds (tsc itself spends tens of seconds even with nothing to do). The stamp
// (dist/.build-stamp) records the newest source time and the number of sources: an edit, a new file or a
// deleted one all trigger a build. No dependencies: this runs before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.build-stamp');
// What tsconfig.json compiles, the web page's sources, and the files that change how they compile.
const inputs = [
  'src',
  'providers',
  'migrations',
  'test',
  'bench',
  'set-env.ts',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
  'web',
];

function sources() {
  let newest = 0;
  let count = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    count++;
    newest = Math.max(newest, stat.mtimeMs);
  };
  for (const input of inputs) visit(join(root, input));
  return { newest, count };
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

const current = sources();
if (process.argv.includes('--stamp-only')) {
  // `npm run build` just built: remember it, so the next `npm start` does not build again.
  writeFileSync(stampFile, `${JSON.stringify(current)}\n`);
  process.exit(0);
}
const stamp = readStamp();
const fresh =
  stamp !== undefined && existsSync(join(root, 'dist', 'src', 'cli.js')) && stamp.count === current.count && stamp.newest >= current.newest;
if (fresh) process.exit(0);

process.stderr.write(
  stamp === undefined
    ? 'latigo: building (first run takes about a minute)\n'
    : 'latigo: sources changed; building (first run takes about a minute)\n',
);
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
  cwd: root,
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// The operator web page (web/ -> dist/web), which the api serves at `/`.
const vite = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'web', 'vite.config.ts')],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
if (vite.status !== 0) process.exit(vite.status ?? 1);
writeFileSync(stampFile, `${JSON.stringify(current)}\n`);
