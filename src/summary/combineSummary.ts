import { binUpperEdge, type WindowStats } from './windowStats.js';

/** What `GET .../summary` and `latigo models summary` report, combined from the stored windows' stats. */
export interface PredictionSummary {
  readonly windowsStored: number;
  readonly rows: number;
  readonly firstRowMs: number | null;
  readonly lastRowMs: number | null;
  /** rows / rows the stored windows span at the model's resolution; null without windows. */
  readonly coverage: number | null;
  /** Per tag: the share of predicted rows with a value for it, and its share of all contributions. */
  readonly tags: readonly { readonly tag: string; readonly coverage: number; readonly contributionShare: number }[];
  readonly anomalies: number;
  readonly anomalyRate: number | null;
  /** Runs of consecutive anomalous rows, joined across adjacent windows. */
  readonly episodes: number;
  /** Quantiles of the score in multiples of the threshold, as the upper edge of their histogram bin (0.05 wide up to 20, then 5 %). */
  readonly scoreQuantiles: {
    readonly p50: number | null;
    readonly p90: number | null;
    readonly p99: number | null;
    readonly max: number | null;
  };
}

/** Combines per-window stats (any order) into the model's summary; tags ranked by contribution share. */
export function combineSummary(windows: readonly WindowStats[], resolutionMs: number): PredictionSummary {
  const sorted = [...windows].sort((a, b) => a.fromMs - b.fromMs);
  let rows = 0;
  let expected = 0;
  let anomalies = 0;
  let episodes = 0;
  const tags = new Map<string, { rows: number; contribution: number }>();
  const bins = new Map<number, number>();
  let previous: WindowStats | undefined;
  for (const w of sorted) {
    rows += w.rows;
    expected += w.expectedRows;
    anomalies += w.anomalies;
    episodes += w.runs;
    // A run that crosses from one window into the next is one episode, not two.
    if (previous?.lastAnomalous && w.firstAnomalous && w.firstRowMs! - previous.lastRowMs! <= resolutionMs) episodes--;
    if (w.rows > 0) previous = w;
    for (const [tag, t] of Object.entries(w.tags)) {
      const sum = tags.get(tag) ?? { rows: 0, contribution: 0 };
      sum.rows += t.rows;
      sum.contribution += t.contribution;
      tags.set(tag, sum);
    }
    for (const [bin, n] of Object.entries(w.scoreBins)) bins.set(Number(bin), (bins.get(Number(bin)) ?? 0) + n);
  }
  const totalContribution = [...tags.values()].reduce((s, t) => s + t.contribution, 0);
  const withRows = sorted.filter((w) => w.rows > 0);
  return {
    windowsStored: sorted.length,
    rows,
    firstRowMs: withRows[0]?.firstRowMs ?? null,
    lastRowMs: withRows.at(-1)?.lastRowMs ?? null,
    coverage: expected === 0 ? null : rows / expected,
    tags: [...tags]
      .map(([tag, t]) => ({
        tag,
        coverage: rows === 0 ? 0 : t.rows / rows,
        contributionShare: totalContribution > 0 ? t.contribution / totalContribution : 0,
      }))
      .sort((a, b) => b.contributionShare - a.contributionShare || (a.tag < b.tag ? -1 : 1)),
    anomalies,
    anomalyRate: rows === 0 ? null : anomalies / rows,
    episodes,
    scoreQuantiles: quantiles(bins),
  };
}

function quantiles(bins: ReadonlyMap<number, number>): PredictionSummary['scoreQuantiles'] {
  const ordered = [...bins].sort((a, b) => a[0] - b[0]);
  const total = ordered.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return { p50: null, p90: null, p99: null, max: null };
  const at = (q: number) => {
    // The nearest-rank quantile: the smallest bin whose cumulative count reaches ceil(q·total).
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [bin, n] of ordered) {
      seen += n;
      if (seen >= rank) return binUpperEdge(bin);
    }
    return binUpperEdge(ordered.at(-1)![0]);
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: binUpperEdge(ordered.at(-1)![0]) };
}
