import { randomUUID } from 'node:crypto';
import { outputDefinitionSchema, type OutputDefinition } from '../config/outputsSections.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient, type SqlParam, type Statement } from '../persistence/sql/SqlClient.js';
import type { RenderedRequest } from './compileOutput.js';

type Int = number | string;

export interface StoredOutput {
  readonly definition: OutputDefinition;
  readonly source: 'config' | 'api';
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  readonly id: string;
  readonly outputId: string;
  readonly sourceKey: string;
  readonly eventType: string;
  readonly state: DeliveryState;
  readonly request: RenderedRequest;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly occurredAt: number;
  readonly createdAt: number;
  readonly deliveredAt?: number;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly lastResponse?: string;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly startedAt: number;
  readonly latencyMs: number;
  readonly statusCode?: number;
  readonly error?: string;
}

/** What an attempt leaves a delivery in. */
export interface AttemptOutcome {
  readonly state: DeliveryState;
  readonly nextAttemptAt?: number;
  readonly response?: string;
}

/** A delivery to add: rendered, or already failed to render (then parked as failed with the reason). */
export interface NewDelivery {
  readonly outputId: string;
  readonly sourceKey: string;
  readonly eventType: string;
  readonly occurredAt: number;
  readonly request?: RenderedRequest;
  readonly renderError?: string;
}

interface DeliveryRow {
  id: string;
  output_id: string;
  source_key: string;
  event_type: string;
  state: string;
  method: string;
  url: string;
  headers: string;
  body: string | null;
  attempts: Int;
  next_attempt_at: Int;
  occurred_at: Int;
  created_at: Int;
  delivered_at: Int | null;
  last_status: Int | null;
  last_error: string | null;
  last_response: string | null;
}

/** The `output`, `output_delivery`, `output_attempt` and `output_cursor` tables. */
export class OutputStore {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db, 'outputs');
  }

  async list(): Promise<StoredOutput[]> {
    const rows = await this.sql.query<{ definition: string; source: string; created_at: Int; updated_at: Int }>(
      `SELECT definition, source, created_at, updated_at FROM output ORDER BY id`,
      [],
    );
    return rows.map((r) => ({
      // Parsed again: defaults added by a later release fill in.
      definition: outputDefinitionSchema.parse(JSON.parse(r.definition)),
      source: r.source === 'config' ? 'config' : 'api',
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  async get(id: string): Promise<StoredOutput | undefined> {
    return (await this.list()).find((o) => o.definition.id === id);
  }

  /** Inserts or replaces; resolves true when it was new. */
  async save(definition: OutputDefinition, source: 'config' | 'api', now: number): Promise<boolean> {
    const [result] = await this.sql.transaction([
      {
        sql: `INSERT INTO output (id, definition, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, source = excluded.source, updated_at = excluded.updated_at
              RETURNING created_at`,
        params: [definition.id, JSON.stringify(definition), source, now, now],
      },
    ]);
    return Number(result?.rows[0]?.created_at) === now;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM output WHERE id = ?`, [id])) > 0;
  }

  /** Config outputs no longer declared are removed at api start. */
  async deleteConfigOutputsExcept(ids: readonly string[]): Promise<number> {
    const rows = await this.sql.query<{ id: string }>(`SELECT id FROM output WHERE source = 'config'`, []);
    let removed = 0;
    for (const { id } of rows) if (!ids.includes(id)) removed += await this.sql.run(`DELETE FROM output WHERE id = ?`, [id]);
    return removed;
  }

  async cursor(name: string): Promise<number | undefined> {
    const rows = await this.sql.query<{ last_event_id: Int }>(`SELECT last_event_id FROM output_cursor WHERE name = ?`, [name]);
    return rows[0] === undefined ? undefined : Number(rows[0].last_event_id);
  }

  /** Adds deliveries (a source already delivered to an output adds nothing) and moves the cursor, in one transaction. */
  async addDeliveries(
    deliveries: readonly NewDelivery[],
    cursor: { name: string; lastEventId: number } | undefined,
    now: number,
  ): Promise<void> {
    const statements: Statement[] = deliveries.map((d) => ({
      sql: `INSERT INTO output_delivery (id, output_id, source_key, event_type, state, method, url, headers, body, attempts, next_attempt_at, occurred_at, created_at, last_error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (output_id, source_key) DO NOTHING`,
      params: [
        randomUUID(),
        d.outputId,
        d.sourceKey,
        d.eventType,
        d.request ? 'pending' : 'failed',
        d.request?.method ?? '',
        d.request?.url ?? '',
        JSON.stringify(d.request?.headers ?? {}),
        d.request?.body ?? null,
        now,
        d.occurredAt,
        now,
        d.renderError ?? null,
      ] satisfies SqlParam[],
    }));
    if (cursor !== undefined) {
      statements.push({
        sql: `INSERT INTO output_cursor (name, last_event_id, updated_at) VALUES (?, ?, ?)
              ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at`,
        params: [cursor.name, cursor.lastEventId, now],
      });
    }
    if (statements.length > 0) await this.sql.transaction(statements);
  }

  /**
   * Claims up to `limit` due deliveries of one output for `leaseMs` and counts their attempt. The outer
   * conditions repeat the inner ones so that, on PostgreSQL, a row another sender claimed meanwhile is skipped.
   */
  async claim(outputId: string, limit: number, now: number, leaseMs: number): Promise<DeliveryRecord[]> {
    if (limit <= 0) return [];
    const due = `state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)`;
    const rows = await this.sql.query<DeliveryRow>(
      `UPDATE output_delivery SET lease_until = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM output_delivery WHERE output_id = ? AND ${due} ORDER BY created_at, id LIMIT ?) AND ${due}
       RETURNING *`,
      [now + leaseMs, outputId, now, now, limit, now, now],
    );
    return rows.map(toDelivery);
  }

  /** Outputs with deliveries due now (so the sender asks only those). */
  async outputsWithDue(now: number): Promise<string[]> {
    const rows = await this.sql.query<{ output_id: string }>(
      `SELECT DISTINCT output_id FROM output_delivery WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)`,
      [now, now],
    );
    return rows.map((r) => r.output_id);
  }

  /** Records one attempt and what it leaves the delivery in. */
  async recordAttempt(delivery: DeliveryRecord, attempt: AttemptRecord, next: AttemptOutcome, now: number): Promise<void> {
    await this.recordAttempts([{ delivery, attempt, next }], now);
  }

  /** Records attempts of several deliveries in one transaction (the dispatcher's group commit). */
  async recordAttempts(
    records: readonly { delivery: DeliveryRecord; attempt: AttemptRecord; next: AttemptOutcome }[],
    now: number,
  ): Promise<void> {
    if (records.length === 0) return;
    const statements: Statement[] = [];
    for (const { delivery, attempt, next } of records) {
      statements.push(
        {
          sql: `INSERT INTO output_attempt (delivery_id, attempt, started_at, latency_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)`,
          params: [
            delivery.id,
            attempt.attempt,
            attempt.startedAt,
            Math.round(attempt.latencyMs),
            attempt.statusCode ?? null,
            attempt.error ?? null,
          ],
        },
        {
          sql: `UPDATE output_delivery SET state = ?, lease_until = NULL, next_attempt_at = ?, delivered_at = ?, last_status = ?, last_error = ?, last_response = ?
              WHERE id = ?`,
          params: [
            next.state,
            next.nextAttemptAt ?? now,
            next.state === 'delivered' ? now : null,
            attempt.statusCode ?? null,
            attempt.error ?? null,
            next.response ?? null,
            delivery.id,
          ],
        },
      );
    }
    await this.sql.transaction(statements);
  }

  async deliveries(
    outputId: string,
    options: { state?: DeliveryState; limit: number },
  ): Promise<(DeliveryRecord & { attemptLog: AttemptRecord[] })[]> {
    const rows = await this.sql.query<DeliveryRow>(
      `SELECT * FROM output_delivery WHERE output_id = ? ${options.state ? 'AND state = ?' : ''} ORDER BY created_at DESC, id LIMIT ?`,
      [outputId, ...(options.state ? [options.state] : []), options.limit],
    );
    const result = [];
    for (const row of rows) {
      const attempts = await this.sql.query<{
        attempt: Int;
        started_at: Int;
        latency_ms: Int;
        status_code: Int | null;
        error: string | null;
      }>(`SELECT attempt, started_at, latency_ms, status_code, error FROM output_attempt WHERE delivery_id = ? ORDER BY id`, [row.id]);
      result.push({
        ...toDelivery(row),
        attemptLog: attempts.map((a) => ({
          attempt: Number(a.attempt),
          startedAt: Number(a.started_at),
          latencyMs: Number(a.latency_ms),
          ...(a.status_code === null ? {} : { statusCode: Number(a.status_code) }),
          ...(a.error === null ? {} : { error: a.error }),
        })),
      });
    }
    return result;
  }

  /** Makes a failed delivery pending again (its attempts start over); false when there is no such failed delivery. */
  async resend(outputId: string, deliveryId: string, now: number): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE output_delivery SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = NULL
       WHERE id = ? AND output_id = ? AND state = 'failed' AND method <> ''`,
      [now, deliveryId, outputId],
    );
    return changed > 0;
  }

  /** Counts by state (benchmark, status). */
  async countByState(): Promise<Record<DeliveryState, number>> {
    const rows = await this.sql.query<{ state: string; n: Int }>(`SELECT state, COUNT(*) AS n FROM output_delivery GROUP BY state`, []);
    const counts: Record<DeliveryState, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of rows) counts[r.state as DeliveryState] = Number(r.n);
    return counts;
  }
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    outputId: r.output_id,
    sourceKey: r.source_key,
    eventType: r.event_type,
    state: r.state as DeliveryState,
    request: {
      method: r.method,
      url: r.url,
      headers: JSON.parse(r.headers) as Record<string, string>,
      ...(r.body === null ? {} : { body: r.body }),
    },
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    occurredAt: Number(r.occurred_at),
    createdAt: Number(r.created_at),
    ...(r.delivered_at === null ? {} : { deliveredAt: Number(r.delivered_at) }),
    ...(r.last_status === null ? {} : { lastStatus: Number(r.last_status) }),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    ...(r.last_response === null ? {} : { lastResponse: r.last_response }),
  };
}
