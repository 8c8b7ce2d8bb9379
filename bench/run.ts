import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { api } from './api.js';
import { cycleEmbedded } from './cycleEmbedded.js';
import { cyclePostgres } from './cyclePostgres.js';
import { dataApi } from './dataApi.js';
import { detection } from './detection.js';
import { forecast } from './forecast.js';
import { gordo } from './gordo.js';
import { influx } from './influx.js';
import { ingest } from './ingest.js';
import { importCsv } from './importCsv.js';
import { liveFeed } from './liveFeed.js';
import { outputs } from './outputs.js';
import { queueEventhub } from './queueEventhub.js';
import { queuePostgres } from './queuePostgres.js';
import { reportMeta } from './report.js';
import type { Suite } from './suite.js';

/** `npm run bench -- [suite ...] [--scale 0.1] [--keep]`: see ../README.md, Benchmarks. The PostgreSQL
 *  suites use the server at LATIGO_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres). */
const suites: Record<string, Suite> = {
  'cycle-embedded': cycleEmbedded,
  'queue-postgres': queuePostgres,
  'queue-eventhub': queueEventhub,
  'cycle-postgres': cyclePostgres,
  influx,
  gordo,
  'data-api': dataApi,
  detection,
  api,
  ingest,
  'ingest-import': importCsv,
  outputs,
  forecast,
  'live-feed': liveFeed,
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
    await suites[name]!(dir, scale, { keep: values.keep });
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
