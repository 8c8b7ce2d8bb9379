/** The API's response shapes the page reads (see /api/openapi.json). */

export type Role = 'viewer' | 'operator' | 'admin';
export interface Session {
  name: string;
  role: Role;
  tokensRequired: boolean;
}
export const canOperate = (session: Session): boolean => session.role === 'operator' || session.role === 'admin';

export interface Page<T> {
  items: T[];
  next?: string;
}

export interface QueueStatus {
  depth: Record<string, number> | null;
  windows: Record<string, number>;
  lagSeconds: number;
  dead: number | null;
}

export interface ProcessInfo {
  name: string;
  role: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastSeen: string;
  state: 'live' | 'lost';
  inFlight: number;
  done: number;
  failed: number;
  rate: number;
}

export interface Freshness {
  maxStalenessSeconds: number;
  models: number;
  stale: { project: string; model: string; lastWindowEnd: string | null; stalenessSeconds: number | null }[];
}

export interface ModelTable {
  count: number;
  project: string[];
  model: string[];
  revision: string[];
  phase: string[];
  lastWindowEnd: (string | null)[];
  lastWindowState: (string | null)[];
  stalenessSeconds: (number | null)[];
  stale: boolean[];
  anomalyScore?: (number | null)[];
  anomalyTime?: (string | null)[];
}

export interface ModelDetail {
  project: string;
  model: string;
  revision: string;
  phase: string;
  lastWindowEnd: string | null;
  stalenessSeconds: number | null;
  stale: boolean;
  tags: { name: string; asset?: string }[];
  targetTags?: string[];
  resolutionSeconds: number;
  schedule: { intervalSeconds?: number; delaySeconds?: number };
  trainingRange: { from?: string; to?: string };
  openAnomaly: { time: string; totalAnomaly: number | null; threshold: number } | null;
}

export interface SensorData {
  from: string;
  to: string;
  resolutionSeconds: number;
  tags: string[];
  timestamps: string[];
  columns: (number | null)[][];
  quality: Record<string, number>;
}

export interface PredictionItem {
  time: string;
  totalAnomaly: number | null;
  threshold: number | null;
  isAnomaly: boolean;
  outputs?: Record<string, number | null>;
  contributions?: Record<string, number | null>;
}
export interface PredictionsPage {
  tags: string[];
  revision: string | null;
  items: PredictionItem[];
  next?: string;
}

export interface WindowItem {
  taskId: string;
  from: string;
  to: string;
  state: string;
  origin: string;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  errorClass: string | null;
  errorMessage: string | null;
  rowsWritten: number | null;
}

export interface Run {
  id: string;
  project: string;
  model: string;
  from: string;
  to: string;
  rerun: boolean;
  windows: number;
  queued: number;
  requestedBy: string;
  createdAt: string;
  state?: 'running' | 'finished';
  windowsByState?: Record<string, number>;
}

export interface DeadLetter {
  id: string;
  reason: string;
  errorClass: string;
  attempts: number;
  deadAt: string;
  body: string;
  task: { project: string; model: string; from: string; to: string } | null;
}

/** `GET /episodes` and `GET /models/{p}/{m}/episodes` (issue 19). */
export interface Episode {
  id: string;
  project: string;
  model: string;
  revision: string;
  start: string;
  /** null while open. */
  end: string | null;
  lastAnomalyEnd?: string;
  open: boolean;
  points: number;
  peakScore: number;
  meanScore: number;
  threshold: number;
  severity: 'warning' | 'critical';
  topTags: { tag: string; share: number }[];
}

export type BackfillState = 'pending' | 'running' | 'paused' | 'finished' | 'cancelled' | 'failed';

/** `GET /backfills` (issue 13). */
export interface BackfillJob {
  id: string;
  from: string;
  to: string;
  models: string[] | null;
  state: BackfillState;
  windowsPerMinute: number | null;
  executorShare: number | null;
  progress: { total: number; planned: number; finished: number; percent?: number; etaSeconds?: number | null };
  owner: string | null;
  error: string | null;
  requestedBy: string;
  createdAt: string;
  startedAt?: string | null;
  endedAt?: string | null;
}

/** `GET .../predictions?format=columns`: one array per field, per-tag arrays in `tags` order. */
export interface PredictionColumns {
  project: string;
  model: string;
  revision: string | null;
  tags: string[];
  time: string[];
  totalAnomaly: (number | null)[];
  threshold: (number | null)[];
  isAnomaly: boolean[];
  outputs?: (number | null)[][];
  next?: string;
}

/** `GET|POST /models/{p}/{m}/labels` (issue 16): a labelled interval [from, to), the ground truth of evaluation. */
export interface Label {
  id: string;
  from: string;
  to: string;
  label: string;
}
