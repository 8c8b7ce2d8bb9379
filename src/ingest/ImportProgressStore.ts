import type { Database } from '../persistence/Database.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';

/** How far `latigo import` got in one file (`import_progress`). */
export interface ImportProgress {
  readonly fileKey: string;
  readonly path: string;
  readonly bytesTotal: number;
  /** Byte offset (CSV, line protocol) and line or row from which a resumed import continues. */
  readonly resumeOffset: number;
  readonly resumeRow: number;
  readonly points: number;
  readonly rejected: number;
  /** JSON: how the rest must be read (the CSV layout). */
  readonly state: string | null;
  readonly finished: boolean;
}

interface Row {
  file_key: string;
  path: string;
  bytes_total: number | string;
  resume_offset: number | string;
  resume_row: number | string;
  points: number | string;
  rejected: number | string;
  state: string | null;
  finished: boolean | number;
}

/** The `import_progress` table: one row per file (by path, size and modification time). */
export class ImportProgressStore {
  private readonly sql: SqlClient;

  constructor(
    db: Database,
    private readonly clock: () => number,
  ) {
    this.sql = new SqlClient(db, 'import-progress');
  }

  async get(fileKey: string): Promise<ImportProgress | undefined> {
    const [row] = await this.sql.query<Row>('SELECT * FROM import_progress WHERE file_key = ?', [fileKey]);
    return row === undefined
      ? undefined
      : {
          fileKey: row.file_key,
          path: row.path,
          bytesTotal: Number(row.bytes_total),
          resumeOffset: Number(row.resume_offset),
          resumeRow: Number(row.resume_row),
          points: Number(row.points),
          rejected: Number(row.rejected),
          state: row.state,
          finished: Boolean(row.finished),
        };
  }

  /** Records how far the file is imported (after the points up to there are committed). */
  async save(p: ImportProgress): Promise<void> {
    await this.sql.run(
      'INSERT INTO import_progress (file_key, path, bytes_total, resume_offset, resume_row, points, rejected, state, finished, updated_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_key) DO UPDATE SET resume_offset = excluded.resume_offset, ' +
        'resume_row = excluded.resume_row, points = excluded.points, rejected = excluded.rejected, state = excluded.state, ' +
        'finished = excluded.finished, updated_at = excluded.updated_at',
      [p.fileKey, p.path, p.bytesTotal, p.resumeOffset, p.resumeRow, p.points, p.rejected, p.state, p.finished, this.clock()],
    );
  }

  async forget(fileKey: string): Promise<void> {
    await this.sql.run('DELETE FROM import_progress WHERE file_key = ?', [fileKey]);
  }
}
