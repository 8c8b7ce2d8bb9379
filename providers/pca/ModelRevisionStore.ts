import { z } from 'zod';
import type { ModelRef } from '../../src/domain/ModelDescription.js';
import type { Database } from '../../src/persistence/Database.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { SqlClient, type SqlParam } from '../../src/persistence/sql/SqlClient.js';
import { parsePcaParameters, type PcaParameters } from './PcaParameters.js';

/** What `model_revision.parameters` holds: the fitted model plus what it was fitted on. */
export interface TrainedModel {
  /** Input tag names in column order; scoring refuses a model description whose tags differ. */
  readonly tagNames: readonly string[];
  /** Training rows dropped because a tag had no value in them. */
  readonly skippedRows: number;
  readonly parameters: PcaParameters;
}

/** Bumped when the stored layout changes, so an old row is recognised instead of misread. */
const FORMAT = 'pca/1';

const storedSchema = z.object({
  format: z.literal(FORMAT),
  tagNames: z.array(z.string()),
  skippedRows: z.number().int().nonnegative(),
  parameters: z.unknown(),
});

export interface RevisionKey extends ModelRef {
  readonly revision: string;
}

/**
 * The `model_revision` table: the only SQL of the PCA provider. A trained revision is written once and
 * never updated: the revision is the version of the parameters. Portable SQL, run by SqlClient.
 */
export class ModelRevisionStore {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db);
  }

  async load(key: RevisionKey): Promise<TrainedModel | undefined> {
    const rows = await this.run<{ parameters: string }>(
      'pca.loadModel',
      'SELECT parameters FROM model_revision WHERE project = ? AND name = ? AND revision = ?',
      [key.project, key.name, key.revision],
    );
    return rows[0] ? decode(rows[0].parameters, key) : undefined;
  }

  /**
   * Stores a freshly trained model unless the revision is already stored, and returns the stored one.
   * Two executors may train the same revision at once; the first insert wins and both then use it.
   */
  async insertIfAbsent(key: RevisionKey, model: TrainedModel, trainedAtMs: number, trainingMs: number): Promise<TrainedModel> {
    const inserted = await this.run<{ revision: string }>(
      'pca.storeModel',
      `INSERT INTO model_revision (project, name, revision, parameters, trained_at, training_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (project, name, revision) DO NOTHING RETURNING revision`,
      [key.project, key.name, key.revision, encode(model), trainedAtMs, Math.round(trainingMs)],
    );
    if (inserted.length > 0) return model;
    const stored = await this.load(key);
    if (!stored) throw new ProviderError(`model ${describeKey(key)} vanished while it was being stored`, { retryable: true });
    return stored;
  }

  /** The most recently trained revision of a model, if any. */
  async latestRevision(model: ModelRef): Promise<string | undefined> {
    const rows = await this.run<{ revision: string }>(
      'pca.latestRevision',
      'SELECT revision FROM model_revision WHERE project = ? AND name = ? ORDER BY trained_at DESC, revision DESC LIMIT 1',
      [model.project, model.name],
    );
    return rows[0]?.revision;
  }

  /** Deletes every stored revision of the model; returns how many there were. */
  async deleteModel(model: ModelRef): Promise<number> {
    const rows = await this.run<{ revision: string }>(
      'pca.deleteModel',
      'DELETE FROM model_revision WHERE project = ? AND name = ? RETURNING revision',
      [model.project, model.name],
    );
    return rows.length;
  }

  private async run<T>(operation: string, sql: string, params: SqlParam[]): Promise<T[]> {
    try {
      return await this.sql.query<T>(sql, params);
    } catch (err) {
      throw toProviderError(err, operation);
    }
  }
}

function encode(model: TrainedModel): string {
  return JSON.stringify({ format: FORMAT, tagNames: model.tagNames, skippedRows: model.skippedRows, parameters: model.parameters });
}

function decode(text: string, key: RevisionKey): TrainedModel {
  try {
    const stored = storedSchema.parse(JSON.parse(text));
    return { tagNames: stored.tagNames, skippedRows: stored.skippedRows, parameters: parsePcaParameters(stored.parameters) };
  } catch (err) {
    throw new ProviderError(`stored parameters of ${describeKey(key)} are unreadable`, { retryable: false, cause: err });
  }
}

function describeKey(key: RevisionKey): string {
  return `${key.project}/${key.name} revision ${key.revision}`;
}
