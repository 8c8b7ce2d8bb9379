import { expect } from 'chai';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import { toNumberedPlaceholders } from '../../src/persistence/sql/placeholders.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { useThrowawayPostgres } from './helpers/postgres.js';

/*
 * Why sensor_point's primary key (sensor_id, time_ms) keeps range reads fast at 100 million rows:
 *
 * A task reads "these 8 sensors, [from, to)": about 180 points per sensor. The primary key is a B-tree
 * ordered by sensor, then time, so the points of one sensor in a time range are one contiguous run of
 * index entries. PostgreSQL descends the tree once per sensor of the IN list (about 4 levels at 100 million
 * entries, a few hundred keys per 8 kB page) and reads the run, so a read costs log(table) + the rows it
 * returns, whatever the table's size; the rows come out in (sensor_id, time_ms) order, so ORDER BY needs
 * no sort either. A time-first index would instead scan every sensor's points in the range (72,000 for
 * 9,000 models x 8 tags) to keep 1,440. What remains proportional to the result is the heap: a live feed
 * writes all sensors per timestamp, so one sensor's 180 points may sit on up to 180 pages.
 *
 * The test fills the table with enough rows (interleaved by time, like a live feed) that the planner has
 * a real choice, then checks it chooses the primary key with both the sensors and the time bounds as index
 * conditions: no sequential scan, no filter applied after reading.
 */

const SENSORS = 300;
const POINTS_PER_SENSOR = 1_000;
const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('range reads of sensor_point on PostgreSQL', function () {
  this.timeout(180_000);
  const server = useThrowawayPostgres();
  let db: Database;

  before(async () => {
    db = await server.open();
    await db.dataSource.query(
      `INSERT INTO sensor (name, asset) SELECT 'tag ' || s, 'asset ' || (s / 8) FROM generate_series(1, ${SENSORS}) s`,
    );
    await db.dataSource.query(
      `INSERT INTO sensor_point (sensor_id, time_ms, value)
       SELECT s, ${T0}::bigint + i * ${RES}, random() FROM generate_series(0, ${POINTS_PER_SENSOR - 1}) i, generate_series(1, ${SENSORS}) s`,
    );
    await db.dataSource.query('ANALYZE sensor_point');
  });
  after(async () => {
    await db?.close();
  });

  it('use the primary key (sensor_id, time_ms) for both the sensors and the time range', async () => {
    const store = new EmbeddedSensorStore(db, silentLogger);
    const tags = [3, 17, 42, 99, 150, 201, 250, 299].map((s) => ({ name: `tag ${s}`, asset: 'asset' }));
    const range = { fromMs: T0 + 500 * RES, toMs: T0 + 680 * RES };
    // The read as the store describes it: its SQL (with the parameters in a trailing comment).
    const query = store.rangeSpecifier(tags, range, RES);
    const ids = (await db.dataSource.query<{ id: number }[]>(`SELECT id FROM sensor WHERE name = ANY($1)`, [tags.map((t) => t.name)])).map(
      (r) => r.id,
    );

    const [
      {
        'QUERY PLAN': [{ Plan: plan }],
      },
    ] = await db.dataSource.query<[{ 'QUERY PLAN': [{ Plan: PlanNode }] }]>(`EXPLAIN (FORMAT JSON) ${toNumberedPlaceholders(query)}`, [
      ...ids,
      range.fromMs,
      range.toMs,
    ]);
    const [{ name: primaryKey }] = await db.dataSource.query<[{ name: string }]>(
      "SELECT conname AS name FROM pg_constraint WHERE conrelid = 'sensor_point'::regclass AND contype = 'p'",
    );

    const shown = JSON.stringify(plan, null, 1);
    expect(
      nodes(plan).map((n) => n['Node Type']),
      shown,
    ).to.not.include('Seq Scan');
    const scan = nodes(plan).find((n) => n['Index Name'] === primaryKey);
    expect(scan, shown).to.not.equal(undefined);
    expect(scan!['Index Cond'], shown)
      .to.match(/sensor_id = ANY/)
      .and.match(/time_ms >= /)
      .and.match(/time_ms < /);
    expect(
      nodes(plan).some((n) => n.Filter !== undefined),
      shown,
    ).to.equal(false);

    const frame = await store.getData(tags, range, RES);
    expect(frame.quality.rawPoints).to.equal(tags.length * 180);
  });
});
