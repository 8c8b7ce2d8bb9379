import { createHash } from 'node:crypto';

/** One anomalous prediction as the episode table keeps it. */
export interface AnomalyPoint {
  readonly timeMs: number;
  readonly score: number;
  readonly threshold: number;
  /** The tags' contributions at this timestamp (the largest few; see MAX_TAGS_PER_POINT). */
  readonly contributions: Readonly<Record<string, number>>;
}

export interface EpisodeSettings {
  /** Anomalous points further apart than one resolution plus this are separate episodes. */
  readonly maxGapMs: number;
  /** Stretches shorter than this (first point to last point plus one resolution) are no episode. */
  readonly minDurationMs: number;
  /** How many contributing tags an episode names. */
  readonly topTags: number;
}

export interface TagShare {
  readonly tag: string;
  /** The tag's part of the summed contributions over the episode's points, 0..1. */
  readonly share: number;
}

export type Severity = 'warning' | 'critical';

/** A merged anomalous stretch of one model revision. */
export interface Episode {
  /** A function of (project, model, revision, start): the same points give the same id. */
  readonly id: string;
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly startMs: number;
  /** The end of the last anomalous point's bucket (its time plus one resolution). */
  readonly endMs: number;
  /** Ongoing: the model's predictions do not yet reach past `endMs + maxGap`. */
  readonly open: boolean;
  readonly points: number;
  readonly peakScore: number;
  readonly meanScore: number;
  /** The threshold at the peak. */
  readonly threshold: number;
  readonly severity: Severity;
  readonly topTags: readonly TagShare[];
}

export interface EpisodeKey {
  readonly project: string;
  readonly model: string;
  readonly revision: string;
}

/** Contributions kept per anomalous point: enough to rank an episode's tags, bounded for a model of thousands. */
export const MAX_TAGS_PER_POINT = 20;

export function episodeId(key: EpisodeKey, startMs: number): string {
  const hash = createHash('sha256').update(`${key.project}\u0000${key.model}\u0000${key.revision}\u0000${startMs}`).digest('hex');
  return `ep_${hash.slice(0, 24)}`;
}

/**
 * Splits points (any order) into runs whose neighbours are at most `resolution + maxGap` apart, each sorted.
 * A pure function of the set of points, so it does not matter in which order windows were stored.
 */
export function segmentPoints(points: readonly AnomalyPoint[], resolutionMs: number, maxGapMs: number): AnomalyPoint[][] {
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
  const runs: AnomalyPoint[][] = [];
  let current: AnomalyPoint[] = [];
  for (const point of sorted) {
    const last = current[current.length - 1];
    if (last !== undefined && point.timeMs - last.timeMs > resolutionMs + maxGapMs) {
      runs.push(current);
      current = [];
    }
    current.push(point);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/**
 * The episodes of a model revision's anomalous points, given how far its predictions reach (`horizonMs`,
 * the end of the latest stored window): an episode is open while the horizon is within `maxGap` of its end.
 */
export function computeEpisodes(
  key: EpisodeKey,
  points: readonly AnomalyPoint[],
  resolutionMs: number,
  horizonMs: number,
  settings: EpisodeSettings,
): Episode[] {
  const episodes: Episode[] = [];
  for (const run of segmentPoints(points, resolutionMs, settings.maxGapMs)) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const endMs = last.timeMs + resolutionMs;
    if (endMs - first.timeMs < settings.minDurationMs) continue;
    episodes.push(summarise(key, run, endMs, horizonMs <= endMs + settings.maxGapMs, settings.topTags));
  }
  return episodes;
}

function summarise(key: EpisodeKey, run: readonly AnomalyPoint[], endMs: number, open: boolean, topTags: number): Episode {
  let peak = run[0]!;
  let sum = 0;
  const byTag = new Map<string, number>();
  for (const point of run) {
    if (point.score > peak.score) peak = point;
    sum += point.score;
    for (const [tag, value] of Object.entries(point.contributions)) {
      if (Number.isFinite(value) && value > 0) byTag.set(tag, (byTag.get(tag) ?? 0) + value);
    }
  }
  const total = [...byTag.values()].reduce((a, b) => a + b, 0);
  const ranked = [...byTag.entries()]
    // Ties broken by name so the ranking never depends on insertion order.
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, topTags)
    .map(([tag, value]) => ({ tag, share: total > 0 ? round(value / total) : 0 }));
  const startMs = run[0]!.timeMs;
  return {
    id: episodeId(key, startMs),
    project: key.project,
    model: key.model,
    revision: key.revision,
    startMs,
    endMs,
    open,
    points: run.length,
    peakScore: peak.score,
    meanScore: round(sum / run.length),
    threshold: peak.threshold,
    severity: severityOf(peak.score, peak.threshold),
    topTags: ranked,
  };
}

/** Critical when the peak reaches twice the threshold. */
export function severityOf(peak: number, threshold: number): Severity {
  return threshold > 0 && peak >= 2 * threshold ? 'critical' : 'warning';
}

/** Six significant digits: shares and means are for people, and rounding keeps the stored JSON stable. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** What changed between the stored episodes of a range and the recomputed ones, as outbox events. */
export type EpisodeChange =
  | { readonly type: 'episode.opened'; readonly episode: Episode }
  | { readonly type: 'episode.updated'; readonly episode: Episode }
  | { readonly type: 'episode.closed'; readonly episode: Episode }
  /** The episode no longer exists: a backfill joined it to an earlier one, or a re-run removed its points. */
  | { readonly type: 'episode.withdrawn'; readonly episode: Episode };

export function diffEpisodes(before: readonly Episode[], after: readonly Episode[]): EpisodeChange[] {
  const old = new Map(before.map((e) => [e.id, e]));
  const changes: EpisodeChange[] = [];
  for (const episode of after) {
    const previous = old.get(episode.id);
    old.delete(episode.id);
    if (previous === undefined) {
      changes.push({ type: 'episode.opened', episode });
      if (!episode.open) changes.push({ type: 'episode.closed', episode });
    } else if (previous.open && !episode.open) {
      changes.push({ type: 'episode.closed', episode });
    } else if (!sameEpisode(previous, episode)) {
      changes.push({ type: 'episode.updated', episode });
    }
  }
  for (const episode of old.values()) changes.push({ type: 'episode.withdrawn', episode });
  return changes;
}

function sameEpisode(a: Episode, b: Episode): boolean {
  return (
    a.endMs === b.endMs &&
    a.open === b.open &&
    a.points === b.points &&
    a.peakScore === b.peakScore &&
    a.meanScore === b.meanScore &&
    a.threshold === b.threshold &&
    JSON.stringify(a.topTags) === JSON.stringify(b.topTags)
  );
}
