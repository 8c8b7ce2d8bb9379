import type { StoredForecast } from '../../src/contracts/PredictionReader.js';
import type { ForecastPoint } from '../../src/domain/Forecast.js';
import type { PredictionSet } from '../../src/domain/Prediction.js';
import type { ProviderMigration } from '../../src/provider/ProviderMigration.js';
import { createTablesMigration } from '../../src/provider/createTablesMigration.js';
import { rowsPerStatement, valuesList, type SqlClient, type SqlParam, type Statement } from '../../src/persistence/sql/SqlClient.js';

/** Forecasts: one wide row per (model, revision, issued at, target time); yhat, lower and upper per tag as JSON arrays. */
export const createForecastTable: ProviderMigration = createTablesMigration({
  name: 'CreateForecastTable1764000000060',
  tables: ['forecast'],
  sqlite: [
    'CREATE TABLE "forecast" ("project" varchar(200) NOT NULL, "model" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "issued_at_ms" bigint NOT NULL, "time_ms" bigint NOT NULL, "coverage" double precision NOT NULL, "yhat" text NOT NULL, "lower" text NOT NULL, "upper" text NOT NULL, PRIMARY KEY ("project", "model", "revision", "issued_at_ms", "time_ms"))',
    'CREATE INDEX "ix_forecast_issued" ON "forecast" ("project", "model", "issued_at_ms")',
  ],
  postgres: [
    'CREATE TABLE "forecast" ("project" varchar(200) NOT NULL, "model" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "issued_at_ms" bigint NOT NULL, "time_ms" bigint NOT NULL, "coverage" double precision NOT NULL, "yhat" text NOT NULL, "lower" text NOT NULL, "upper" text NOT NULL, CONSTRAINT "PK_forecast" PRIMARY KEY ("project", "model", "revision", "issued_at_ms", "time_ms"))',
    'CREATE INDEX "ix_forecast_issued" ON "forecast" ("project", "model", "issued_at_ms")',
  ],
});

const COLUMNS = 9;
const upsert = (rows: number) =>
  'INSERT INTO forecast (project, model, revision, issued_at_ms, time_ms, coverage, yhat, lower, upper) ' +
  `VALUES ${valuesList(rows, COLUMNS)} ON CONFLICT (project, model, revision, issued_at_ms, time_ms) DO UPDATE SET ` +
  'coverage = excluded.coverage, yhat = excluded.yhat, lower = excluded.lower, upper = excluded.upper';

/** Upserts of the set's forecast (none without one): storing the same issue again overwrites it. */
export function forecastStatements(predictions: PredictionSet, counter: { nonFinite: number }): Statement[] {
  const forecast = predictions.forecast;
  if (forecast === undefined) return [];
  const json = (values: readonly number[]) => {
    for (const v of values) if (!Number.isFinite(v)) counter.nonFinite++;
    return JSON.stringify(Array.from(values));
  };
  const statements: Statement[] = [];
  const chunk = rowsPerStatement(COLUMNS);
  for (let start = 0; start < forecast.points.length; start += chunk) {
    const points = forecast.points.slice(start, start + chunk);
    const params: SqlParam[] = [];
    for (const p of points) {
      params.push(predictions.project, predictions.model, predictions.revision, forecast.issuedAtMs, p.timeMs, forecast.coverage);
      params.push(json(p.yhat), json(p.lower), json(p.upper));
    }
    statements.push({ sql: upsert(points.length), params });
  }
  return statements;
}

const latestIssue = (asOf: boolean, revision: boolean) =>
  'SELECT revision, issued_at_ms FROM forecast WHERE project = ? AND model = ?' +
  `${asOf ? ' AND issued_at_ms <= ?' : ''}${revision ? ' AND revision = ?' : ''} ORDER BY issued_at_ms DESC LIMIT 1`;

/** The latest forecast of a model issued at or before `asOfMs` (any time when omitted). */
export async function readForecast(
  sql: SqlClient,
  model: { project: string; name: string },
  options: { asOfMs?: number; revision?: string },
): Promise<StoredForecast | undefined> {
  const params: SqlParam[] = [model.project, model.name];
  if (options.asOfMs !== undefined) params.push(options.asOfMs);
  if (options.revision !== undefined) params.push(options.revision);
  const [issue] = await sql.query<{ revision: string; issued_at_ms: number }>(
    latestIssue(options.asOfMs !== undefined, options.revision !== undefined),
    params,
  );
  if (issue === undefined) return undefined;
  const issuedAtMs = Number(issue.issued_at_ms);
  const rows = await sql.query<{ time_ms: number; coverage: number; yhat: string; lower: string; upper: string }>(
    'SELECT time_ms, coverage, yhat, lower, upper FROM forecast WHERE project = ? AND model = ? AND revision = ? AND issued_at_ms = ? ORDER BY time_ms',
    [model.project, model.name, issue.revision, issuedAtMs],
  );
  const [series] = await sql.query<{ tag_names: string }>(
    'SELECT tag_names FROM prediction_series WHERE project = ? AND model = ? AND revision = ?',
    [model.project, model.name, issue.revision],
  );
  const numbers = (text: string) => (JSON.parse(text) as (number | null)[]).map((v) => v ?? NaN);
  const points: ForecastPoint[] = rows.map((r) => ({
    timeMs: Number(r.time_ms),
    yhat: numbers(r.yhat),
    lower: numbers(r.lower),
    upper: numbers(r.upper),
  }));
  return {
    project: model.project,
    model: model.name,
    revision: issue.revision,
    tagNames: series === undefined ? [] : (JSON.parse(series.tag_names) as string[]),
    issuedAtMs,
    coverage: Number(rows[0]?.coverage ?? NaN),
    points,
  };
}
