import type { Episode, Severity, TagShare } from './computeEpisodes.js';

type Int = number | string;

/** An `episode` row as either driver returns it (bigint as number or string, booleans 0/1 or true/false). */
export interface EpisodeRow {
  id: string;
  project: string;
  model: string;
  revision: string;
  start_ms: Int;
  end_ms: Int;
  open: number | boolean;
  points: Int;
  peak_score: number | string;
  mean_score: number | string;
  threshold: number | string;
  severity: string;
  top_tags: string;
}

export function episodeFromRow(r: EpisodeRow): Episode {
  return {
    id: r.id,
    project: r.project,
    model: r.model,
    revision: r.revision,
    startMs: Number(r.start_ms),
    endMs: Number(r.end_ms),
    open: Boolean(r.open),
    points: Number(r.points),
    peakScore: Number(r.peak_score),
    meanScore: Number(r.mean_score),
    threshold: Number(r.threshold),
    severity: r.severity as Severity,
    topTags: JSON.parse(r.top_tags) as TagShare[],
  };
}

/** An episode as the API, the outbox and templates show it: ISO times, no internal fields. */
export function episodeView(e: Episode): Record<string, unknown> {
  return {
    id: e.id,
    project: e.project,
    model: e.model,
    revision: e.revision,
    start: new Date(e.startMs).toISOString(),
    end: e.open ? null : new Date(e.endMs).toISOString(),
    lastAnomalyEnd: new Date(e.endMs).toISOString(),
    open: e.open,
    points: e.points,
    peakScore: e.peakScore,
    meanScore: e.meanScore,
    threshold: e.threshold,
    severity: e.severity,
    topTags: e.topTags.map((t) => ({ tag: t.tag, share: t.share })),
  };
}
