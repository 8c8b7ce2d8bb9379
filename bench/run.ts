import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cycleEmbedded } from './cycleEmbedded.js';
import { reportMeta } from './report.js';

/** `npm run bench -- [suite ...] [--scale 0.1] [--keep]`: see ../README.md, Benchmarks. */
const suites: Record<string, (dir: string, scale: number) => Promise<void>> = {
  'cycle-embedded': cycleEmbedded,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { scale: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false } },
});
const scale = Number(values.scale);
if (!(scale > 0)) throw new Error(`--scale must be a positive number, got ${values.scale}`);
const names = positionals.length > 0 ? positionals : ['cycle-embedded'];
for (const name of names) {
  if (!suites[name]) {
    process.stderr.write(`unknown suite "${name}"; available: ${Object.keys(suites).join(', ')}\n`);
    process.exit(2);
  }
}

reportMeta();
for (const name of names) {
  const dir = mkdtempSync(join(tmpdir(), `latigo-bench-${name}-`));
  try {
    await suites[name]!(dir, scale);
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
