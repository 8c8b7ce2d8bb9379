import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers/cli.js';

const execFileAsync = promisify(execFile);
const run = (file: string, args: readonly string[], options: { cwd: string }) =>
  execFileAsync(file, args, { timeout: 110_000, killSignal: 'SIGKILL', ...options });

/**
 * A provider package as the README's "Writing a provider" describes one, written against the packed
 * `latigo` only: one definition serving sensor_data and sensor_information through one shared client per
 * URL (deps.shared), declaring the SensorWriter capability (which the conformance suites seed through).
 */
const providerSource = `
import {
  ConfigError, defineProvider, resample,
  type CallOptions, type ListSensorsOptions, type SensorDataProvider, type SensorFrame, type SensorInformationProvider,
  type SensorPoints, type SensorTag, type SensorWriter, type TimeRange, type WritePointsResult,
} from 'latigo';

/** The backend client: holds what a real one would fetch. One per URL and process, shared by both sections. */
export class AcmeHistorian implements SensorWriter {
  static instances = 0;
  private readonly sensors = new Map<string, SensorTag>();
  private readonly points = new Map<string, { timesMs: number[]; values: number[] }>();

  constructor(readonly url: string) { AcmeHistorian.instances++; }

  async defineSensors(tags: readonly SensorTag[]): Promise<void> {
    for (const tag of tags) this.sensors.set(tag.name, tag);
  }

  async writePoints(points: readonly SensorPoints[]): Promise<WritePointsResult> {
    let written = 0;
    let nonFinite = 0;
    for (const { sensor, timesMs, values } of points) {
      if (!this.sensors.has(sensor)) this.sensors.set(sensor, { name: sensor, asset: '' });
      const stored = this.points.get(sensor) ?? { timesMs: [], values: [] };
      for (let i = 0; i < timesMs.length; i++) {
        stored.timesMs.push(timesMs[i]!);
        stored.values.push(values[i]!);
        if (Number.isFinite(values[i]!)) written++; else nonFinite++;
      }
      this.points.set(sensor, stored);
    }
    return { written, nonFinite };
  }

  sensorList(): SensorTag[] {
    return [...this.sensors.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  describe(name: string): SensorTag | undefined {
    return this.sensors.get(name);
  }

  pointsOf(name: string): { timesMs: number[]; values: number[] } {
    return this.points.get(name) ?? { timesMs: [], values: [] };
  }
}

class AcmeSensorData implements SensorDataProvider {
  constructor(private readonly client: AcmeHistorian) {}
  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    return \`acme \${this.client.url} \${JSON.stringify(tags.map((t) => t.name))} [\${range.fromMs}, \${range.toMs}) every \${resolutionMs} ms\`;
  }
  async getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options?: CallOptions): Promise<SensorFrame> {
    options?.signal?.throwIfAborted();
    const names = [...new Set(tags.map((t) => t.name))];
    const column: number[] = [];
    const timeMs: number[] = [];
    const value: number[] = [];
    names.forEach((name, c) => {
      const stored = this.client.pointsOf(name);
      stored.timesMs.forEach((t, i) => { column.push(c); timeMs.push(t); value.push(stored.values[i]!); });
    });
    const unique = names.map((name) => tags.find((t) => t.name === name)!);
    const frame = resample(unique, range, resolutionMs, { length: column.length, column, timeMs, value });
    return { ...frame, tags, columns: tags.map((t) => frame.columns[names.indexOf(t.name)]!) };
  }
}

class AcmeSensorInformation implements SensorInformationProvider {
  constructor(private readonly client: AcmeHistorian) {}
  async listSensors(options?: ListSensorsOptions): Promise<SensorTag[]> {
    return this.client.sensorList().filter((t) => options?.asset === undefined || t.asset === options.asset);
  }
  async sensorExists(name: string): Promise<boolean> {
    return this.client.describe(name) !== undefined;
  }
  async describeSensor(name: string): Promise<SensorTag | undefined> {
    return this.client.describe(name);
  }
}

/** Both sections take the same options. */
const parseConfig = (raw: Readonly<Record<string, unknown>>, path: string) => {
  if (typeof raw.url !== 'string' || !raw.url.startsWith('acme://')) throw new ConfigError(\`\${path}.url\`, 'expected an acme:// URL');
  return { url: raw.url };
};

export default defineProvider({
  name: 'acme',
  sections: {
    sensor_data: {
      parseConfig,
      capabilities: ['sensorWriter'],
      create(config, deps) {
        const client = deps.shared(\`client \${config.url}\`, () => new AcmeHistorian(config.url));
        return { service: new AcmeSensorData(client), capabilities: { sensorWriter: client } };
      },
    },
    sensor_information: {
      parseConfig,
      create: (config, deps) => ({ service: new AcmeSensorInformation(deps.shared(\`client \${config.url}\`, () => new AcmeHistorian(config.url))) }),
    },
  },
});
`;

const conformanceSource = `
import { expect } from 'chai';
import { describeSensorDataContract, describeSensorInformationContract, providerHarness } from 'latigo/testing';
import acme, { AcmeHistorian } from './dist/acme.js';

async function bothSections() {
  const harness = providerHarness(acme);
  const data = await harness.create('sensor_data', { url: 'acme://plant' });
  const information = await harness.create('sensor_information', { url: 'acme://plant' });
  return { data, information, writer: data.capabilities.sensorWriter };
}

describe('acme provider', () => {
  it('serves both sections from one client per URL', async () => {
    const before = AcmeHistorian.instances;
    const { writer } = await bothSections();
    expect(AcmeHistorian.instances - before).to.equal(1);
    expect(writer).to.be.instanceOf(AcmeHistorian);
  });

  it('refuses a bad URL naming the key', async () => {
    const err = await providerHarness(acme).create('sensor_data', { url: 'http://x' }).catch((e) => e);
    expect(err.message).to.include('sensor_data.url');
  });
});

describeSensorDataContract('acme', async () => {
  const { data, writer } = await bothSections();
  return {
    provider: data.service,
    async seed(tags, points) {
      await writer.defineSensors(tags);
      await writer.writePoints(tags.map((t) => {
        const own = points.filter((p) => p.tag === t.name);
        return { sensor: t.name, timesMs: own.map((p) => p.timeMs), values: own.map((p) => p.value) };
      }));
    },
    cleanup: async () => {},
  };
});

describeSensorInformationContract('acme', async () => {
  const { information, writer } = await bothSections();
  return { provider: information.service, seed: (tags) => writer.defineSensors(tags), cleanup: async () => {} };
});
`;

describe('a third-party provider package written against the README (packed latigo, scratch project)', function () {
  this.timeout(300_000);
  let dir: string;

  before(() => {
    if (!existsSync(join(repoRoot, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'latigo-third-party-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('type-checks, serves two sections with one shared client, declares a capability and passes the conformance kit', async () => {
    const packed = await run('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: repoRoot });
    const tarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    const scratch = join(dir, 'acme-provider');
    mkdirSync(join(scratch, 'src'), { recursive: true });
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'acme-latigo-provider', private: true, type: 'module' }));
    // chai for the conformance suites (an optional peer of latigo/testing); both from the npm cache this repository filled.
    await run(
      'npm',
      ['install', tarball, 'chai@5', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'],
      { cwd: scratch },
    );
    writeFileSync(join(scratch, 'src', 'acme.ts'), providerSource);
    // The provider is TypeScript, type-checked against latigo's declarations; its test is plain JavaScript.
    writeFileSync(join(scratch, 'conformance.test.mjs'), conformanceSource);
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023', 'DOM'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'dist',
          rootDir: 'src',
          typeRoots: [join(repoRoot, 'node_modules/@types')],
          types: ['node'],
          skipLibCheck: true,
        },
        include: ['src'],
      }),
    );
    const tsc = await run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', scratch], { cwd: scratch }).catch(
      (err: { stdout: string }) => err,
    );
    expect(tsc.stdout, 'tsc output').to.equal('');

    const mocha = await run(process.execPath, [join(repoRoot, 'node_modules/mocha/bin/mocha.js'), '--no-config', 'conformance.test.mjs'], {
      cwd: scratch,
    }).catch((err: { stdout: string; stderr: string }) => err);
    expect(mocha.stdout, mocha.stderr).to.match(/\b\d+ passing\b/);
    expect(mocha.stdout).to.not.match(/failing/);
    expect(mocha.stdout).to.include('serves both sections from one client per URL');
    expect(mocha.stdout).to.include('SensorDataProvider contract: acme');
    expect(mocha.stdout).to.include('SensorInformationProvider contract: acme');
  });
});
