import { timeRange, type TimeRange } from '../../domain/TimeRange.js';
import type { ApiDeps } from '../ApiDeps.js';
import { decodeCursor, encodeCursor, iso, parseDuration, parseRange } from '../params.js';
import { ApiProblem, badRequest } from '../problem.js';
import { parseFields, readPredictionsPage, readSensorData } from '../routes/predictions.js';

/** Rows one getPredictions answer holds at most (besides api.ws.max_pull_range). */
const MAX_PULL_ROWS = 10_000;

interface PullRange {
  project: string;
  model: string;
  from: string;
  to: string;
  cursor?: string | undefined;
}

/**
 * The part of the asked range one answer covers: from the cursor (or `from`) for at most
 * `api.ws.max_pull_range`. The whole range is checked as the HTTP routes check theirs (api.max_range).
 */
function servedRange(deps: ApiDeps, message: string, body: PullRange): { range: TimeRange; served: TimeRange } {
  const range = parseRange(body.from, body.to, message, deps.config.api.maxRangeMs);
  let startMs = range.fromMs;
  if (body.cursor !== undefined) {
    const field = `${message}.cursor`;
    try {
      startMs = decodeCursor(body.cursor, (v): v is number => typeof v === 'number' && Number.isInteger(v));
    } catch {
      throw badRequest(field, `${field} is not a cursor this feed returned`);
    }
    if (startMs < range.fromMs || startMs >= range.toMs) throw badRequest(field, `${field} lies outside ${message}.from..to`);
  }
  return { range, served: timeRange(startMs, Math.min(range.toMs, startMs + deps.config.api.ws.maxPullRangeMs)) };
}

/** `getPredictions` -> the `predictions` answer: the rows of one slice, and `next` while the range goes on. */
export async function pullPredictions(
  deps: ApiDeps,
  body: PullRange & { id?: string | undefined; fields?: string | undefined; revision?: string | undefined },
): Promise<string> {
  const { range, served } = servedRange(deps, 'getPredictions', body);
  let fields;
  try {
    fields = parseFields(body.fields);
  } catch (err) {
    throw err instanceof ApiProblem
      ? badRequest('getPredictions.fields', err.detail.replace('query.fields', 'getPredictions.fields'))
      : err;
  }
  const page = await readPredictionsPage(deps, {
    project: body.project,
    model: body.model,
    range: served,
    fields,
    limit: MAX_PULL_ROWS,
    ...(body.revision === undefined ? {} : { revision: body.revision }),
  });
  const { lastTimeMs, truncated, ...rows } = page;
  const endMs = truncated && lastTimeMs !== undefined ? lastTimeMs + 1 : served.toMs;
  return JSON.stringify({
    predictions: {
      ...(body.id === undefined ? {} : { id: body.id }),
      ...rows,
      from: iso(served.fromMs),
      to: iso(endMs),
      ...(endMs < range.toMs ? { next: encodeCursor(endMs) } : {}),
    },
  });
}

/** `getSensorData` -> the `sensorData` answer: one slice of the model's input data, and `next` while the range goes on. */
export async function pullSensorData(
  deps: ApiDeps,
  body: PullRange & { id?: string | undefined; resolution?: string | undefined },
): Promise<string> {
  const { range, served } = servedRange(deps, 'getSensorData', body);
  const resolutionMs = body.resolution === undefined ? undefined : parseDuration(body.resolution, 'getSensorData.resolution');
  const data = await readSensorData(
    deps,
    { project: body.project, model: body.model, range: served, ...(resolutionMs === undefined ? {} : { resolutionMs }) },
    'getSensorData.resolution',
  );
  return JSON.stringify({
    sensorData: {
      ...(body.id === undefined ? {} : { id: body.id }),
      project: body.project,
      model: body.model,
      ...data,
      ...(served.toMs < range.toMs ? { next: encodeCursor(served.toMs) } : {}),
    },
  });
}
