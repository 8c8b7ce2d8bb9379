import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';

type Sections = Record<string, Record<string, unknown>>;

/** A temporary folder holding one test's SQLite file and configuration. */
export class Workspace {
  readonly dir: string;
  readonly databasePath: string;

  constructor(label: string) {
    this.dir = mkdtempSync(join(tmpdir(), `latigo-${label}-`));
    this.databasePath = join(this.dir, 'latigo.sqlite');
  }

  /** Configuration for fast tests: short leases and polls, warnings only; `sections` override per key. */
  testConfig(sections: Sections = {}): Sections {
    const base: Sections = {
      database: { url: `sqlite:${this.databasePath}` },
      logging: { level: 'warn', format: 'json' },
      scheduler: { start_time: '2020-01-01T00:00:00', interval: '10m', delay: 0, poll_interval: '1s' },
      executor: { concurrency: 8, task_timeout: '2s', shutdown_grace: '5s', retry: { initial_interval: 50, maximum_attempts: 3 } },
      task_queue: {
        type: 'embedded',
        visibility_timeout: '3s',
        poll_interval: 25,
        retry: { initial_interval: 100, maximum_interval: 1_000 },
      },
      // `latigo start` runs the api too: a free port each, so tests (and helpers) running at once never collide.
      api: { port: 0 },
      // The PCA models only: the suite's demo tests count windows and models per asset (the forecast and
      // threshold models have tests of their own).
      demo: { job_kinds: false },
    };
    for (const [section, values] of Object.entries(sections)) base[section] = { ...base[section], ...values };
    return base;
  }

  /** Writes `config` (already shaped as YAML sections) and returns its path. */
  writeConfig(config: Sections | string, name = 'config.yaml'): string {
    const path = join(this.dir, name);
    writeFileSync(path, typeof config === 'string' ? config : yaml.dump(config));
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
