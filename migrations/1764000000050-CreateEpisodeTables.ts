import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Anomaly episodes (issue 19). `anomaly_point` keeps each model revision's anomalous predictions (whatever
 * the prediction storage is), `episode_model` how far its predictions reach and a version that orders
 * concurrent recomputations, and `episode` the merged stretches computed from both.
 */
export class CreateEpisodeTables1764000000050 implements MigrationInterface {
  name = 'CreateEpisodeTables1764000000050';

  async up(q: QueryRunner): Promise<void> {
    const key = [
      { name: 'project', type: 'varchar', length: '200' },
      { name: 'model', type: 'varchar', length: '200' },
      { name: 'revision', type: 'varchar', length: '200' },
    ];
    await q.createTable(
      new Table({
        name: 'anomaly_point',
        columns: [
          ...key.map((c) => ({ ...c, isPrimary: true })),
          { name: 'time_ms', type: 'bigint', isPrimary: true },
          { name: 'score', type: 'double precision' },
          { name: 'threshold', type: 'double precision' },
          // JSON {tag: contribution} of the point's largest contributions.
          { name: 'contributions', type: 'text' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'episode_model',
        columns: [
          ...key.map((c) => ({ ...c, isPrimary: true })),
          { name: 'resolution_ms', type: 'bigint' },
          // The end of the latest stored window: episodes within max_gap of it are open.
          { name: 'horizon_ms', type: 'bigint' },
          // Bumped by every write for the model; a recomputation commits only on the version it read.
          { name: 'version', type: 'bigint', default: 0 },
        ],
        // A recomputation whose version is stale sets -1, so the check aborts its whole transaction.
        checks: [{ name: 'ck_episode_model_version', expression: 'version >= 0' }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'episode',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          ...key,
          { name: 'start_ms', type: 'bigint' },
          { name: 'end_ms', type: 'bigint' },
          { name: 'open', type: 'boolean' },
          { name: 'points', type: 'integer' },
          { name: 'peak_score', type: 'double precision' },
          { name: 'mean_score', type: 'double precision' },
          { name: 'threshold', type: 'double precision' },
          { name: 'severity', type: 'varchar', length: '16' },
          // JSON [{tag, share}], largest first.
          { name: 'top_tags', type: 'text' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [
          { name: 'ix_episode_model_start', columnNames: ['project', 'model', 'revision', 'start_ms'] },
          { name: 'ix_episode_open', columnNames: ['open', 'start_ms'] },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['episode', 'episode_model', 'anomaly_point']) await q.dropTable(table);
  }
}
