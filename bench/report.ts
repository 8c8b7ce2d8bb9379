import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** One figure, as ../shared/BENCHMARKS.md specifies: JSON on stdout, a readable line on stderr. */
export interface Figure {
  suite: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: string;
  baseline_value?: number;
  target?: string;
  [extra: string]: unknown;
}

/** `meets` is computed from the value and a target written as `<=60`, `>=0.5` or a range `0.7..1.3` (bounds included). */
export function meetsTarget(value: number, target: string | undefined): boolean | undefined {
  const between = target?.match(/^(-?[\d.]+)\s*\.\.\s*(-?[\d.]+)$/);
  if (between) return value >= Number(between[1]) && value <= Number(between[2]);
  const match = target?.match(/^(<=|>=|<|>)\s*(-?[\d.]+)$/);
  if (!match) return undefined;
  const bound = Number(match[2]);
  switch (match[1]) {
    case '<=':
      return value <= bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    default:
      return value > bound;
  }
}

export function report(figure: Figure): void {
  const meets = meetsTarget(figure.value, figure.target);
  const line = { ...figure, value: round(figure.value), ...(meets === undefined ? {} : { meets }) };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const verdict = meets === undefined ? '' : meets ? '  ok' : '  MISSES TARGET';
  const base = figure.baseline_value === undefined ? '' : `  (baseline ${round(figure.baseline_value)})`;
  process.stderr.write(
    `${figure.suite.padEnd(16)} ${figure.metric.padEnd(32)} ${String(round(figure.value)).padStart(12)} ${figure.unit}${base}${figure.target ? `  target ${figure.target}` : ''}${verdict}\n`,
  );
}

export function reportMeta(): void {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    /* not a git checkout */
  }
  report({
    suite: 'meta',
    metric: 'cpus',
    value: cpus().length,
    unit: 'count',
    node: process.version,
    commit,
    cpu_model: cpus()[0]?.model,
  });
}

/** The middle value (the mean of the two middle ones for an even count); the benchmarks' figure of several runs. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value * 10) / 10 : Math.round(value * 1000) / 1000;
}
