import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers/cli.js';

const execFileAsync = promisify(execFile);
/**
 * Each command is killed before the test's own timeout, so a hung npm or tsc never outlives the test run.
 * The budgets only catch a hang: on a loaded machine pack, install and tsc took over two minutes together.
 */
const COMMAND_TIMEOUT_MS = 300_000;
const run = (file: string, args: readonly string[], options: { cwd: string }) =>
  execFileAsync(file, args, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', ...options });

/**
 * A consumer's view of the package: every provider contract, the domain types and the conformance
 * suites, imported from 'latigo' and 'latigo/testing' and used as a third-party provider would.
 */
const consumerSource = `
import type {
  CallOptions, Closeable, SensorInformationProvider, ListSensorsOptions, SensorDataProvider, ModelInformationProvider,
  DescribeModelOptions, ModelExecutionProvider, ModelState, ModelStatus, PredictionStorageProvider, StoreResult,
  TaskQueue, OutgoingMessage, ReceivedMessage, ReceiveOptions, SendResult, NackOptions, SettleResult, NackResult,
  ProviderDefinition, ProviderDeps, ProviderRole, QueueInspector, PredictionReader, SensorWriter, ModelWriter, HealthCheck,
  TimeRange, SensorTag, ModelRef, ModelSummary, ModelDescription, SensorFrame, DataQualityCounts, PredictionRow,
  PredictionSet, PredictionTask, TaskMessage, ErrorClass, LogFields,
} from 'latigo';
import {
  SensorDataProvider as SensorDataToken, TaskQueue as TaskQueueToken, ModelInformationProvider as ModelInfoToken,
  ModelExecutionProvider as ModelExecutionToken, PredictionStorageProvider as StorageToken,
  SensorInformationProvider as SensorInfoToken, Logger, silentLogger, Database, Clock, ProcessName,
  ConfigError, ProviderError, NotFoundError, InvalidDataError, InsufficientDataError, classifyError, describeError, isAbortError,
  timeRange, formatRange, bucketStarts, emptyQualityCounts, taskId, newTask, encodeTask, decodeTask, MalformedTaskError, modelKey,
  parseWith, duration, positiveDuration, instant, providerRoles, defineProvider, isProviderError,
} from 'latigo';
import {
  describeTaskQueueContract, describeSensorDataContract, describeSensorInformationContract,
  describeModelInformationContract, describePredictionStorageContract, describeModelExecutionContract,
} from 'latigo/testing';

/** A third-party sensor source, written against the exported contract only. */
class ConstantSensorData implements SensorDataProvider {
  constructor(private readonly value: number) {}
  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    return \`constant \${tags.length} tags \${formatRange(range)} every \${resolutionMs} ms\`;
  }
  async getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options?: CallOptions): Promise<SensorFrame> {
    options?.signal?.throwIfAborted();
    const timestamps = bucketStarts(range, resolutionMs);
    const quality: DataQualityCounts = emptyQualityCounts();
    return { range, resolutionMs, tags, timestamps, columns: tags.map(() => new Float64Array(timestamps.length).fill(this.value)), quality };
  }
}

const window: TimeRange = timeRange(0, 60_000);
const task: PredictionTask = newTask('p', 'm', 'r1', window);
const decoded: PredictionTask = decodeTask(encodeTask(task));
const id: string = taskId(decoded.project, decoded.model, decoded.revision, decoded.window);
const row: PredictionRow = { timeMs: 0, outputs: [1], contributions: [0], totalAnomaly: 0, threshold: 1, isAnomaly: false };
const set: PredictionSet = { project: 'p', model: 'm', revision: 'r1', window, tagNames: ['a'], rows: [row] };
const summary: ModelSummary = { project: 'p', name: 'm', revision: 'r1' };
const ref: ModelRef = summary;
const description: ModelDescription = { ...summary, inputTags: [], targetTags: [], resolutionMs: 1000, trainingRange: window };
const status: ModelStatus = { state: 'ready' satisfies ModelState };
const stored: StoreResult = { written: set.rows.length, droppedNonFinite: 0 };
const outgoing: OutgoingMessage = { id, body: encodeTask(task) };
const receiveOptions: ReceiveOptions = { maxMessages: 1, waitMs: 0 };
const nack: NackOptions = { reason: 'x' };
const results: [SendResult, SettleResult, NackResult] = [{ sent: 1, duplicates: 0 }, { settled: true }, { settled: false, reason: 'lease_lost' }];
const errorClass: ErrorClass = classifyError(new ProviderError('down', { retryable: true }));
const fields: LogFields = { errorClass, key: modelKey(ref) };
const role: ProviderRole = providerRoles[0];
const message: TaskMessage | undefined = undefined;
const errors = [new ConfigError('a.b', 'x'), new NotFoundError('x'), new InvalidDataError('x'), new InsufficientDataError('x'), new MalformedTaskError('x')];
const parsed: number = parseWith(duration, '10s', 'k') + parseWith(positiveDuration, 5, 'k') + parseWith(instant, '2026-01-01T00:00:00Z', 'k');
const tokens = [SensorDataToken, TaskQueueToken, ModelInfoToken, ModelExecutionToken, StorageToken, SensorInfoToken, Logger, Database, Clock, ProcessName];
const module: ProviderDefinition = defineProvider({
  name: 'constant',
  sections: {
    sensor_data: {
      parseConfig: (raw: Readonly<Record<string, unknown>>, path: string) => ({ value: parseWith(positiveDuration, raw.value, path) }),
      create: (config, deps: ProviderDeps) => ({ service: deps.shared('source', () => new ConstantSensorData(config.value)) }),
    },
  },
});
const provider: SensorDataProvider = new ConstantSensorData(7);
type Everything = [SensorInformationProvider, ListSensorsOptions, ModelInformationProvider, DescribeModelOptions, ModelExecutionProvider,
  PredictionStorageProvider, TaskQueue, ReceivedMessage, Closeable, QueueInspector, PredictionReader, SensorWriter, ModelWriter, HealthCheck];
const suites = [describeTaskQueueContract, describeSensorDataContract, describeSensorInformationContract,
  describeModelInformationContract, describePredictionStorageContract, describeModelExecutionContract];
export const used: unknown[] = [decoded, description, status, stored, outgoing, receiveOptions, nack, results, fields, role, message,
  errors, parsed, tokens, module, provider, suites, silentLogger, isProviderError, describeError, isAbortError, null as unknown as Everything];
`;

describe('the packed package', function () {
  this.timeout(3 * COMMAND_TIMEOUT_MS + 60_000);
  let dir: string;

  before(() => {
    if (!existsSync(join(repoRoot, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'latigo-package-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }); // before() may have failed first

  it('installs from `npm pack` into a scratch project that type-checks an import of every interface', async () => {
    const packed = await run('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: repoRoot });
    const tarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);

    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    // Dependencies come from the npm cache that installing this repository filled; scripts are skipped
    // (no native build of better-sqlite3 is needed to type-check).
    await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], {
      cwd: scratch,
    });

    writeFileSync(join(scratch, 'index.ts'), consumerSource);
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // @types/node from this repository rather than a download; latigo's own declarations are checked.
          typeRoots: [join(repoRoot, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    );
    const tsc = join(repoRoot, 'node_modules/.bin/tsc');
    const check = await run(tsc, ['--noEmit', '-p', scratch], { cwd: scratch }).catch((err: { stdout: string; code: number }) => err);
    expect(check.stdout, 'tsc output').to.equal('');

    // The entry point loads and the bin runs.
    const loaded = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('latigo'); console.log(typeof m.taskId, typeof m.describeError)"],
      { cwd: scratch },
    );
    expect(loaded.stdout.trim()).to.equal('function function');
    const help = await run(join(scratch, 'node_modules/.bin/latigo'), ['--help'], { cwd: scratch });
    expect(help.stdout).to.match(/Usage: latigo/);
  });
});
