import { expect } from 'chai';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import { EpisodeStore } from '../../../src/episodes/EpisodeStore.js';
import { StoredWindowRecords } from '../../../src/summary/StoredWindowRecords.js';
import { SummaryStore } from '../../../src/summary/SummaryStore.js';
import { windowStats } from '../../../src/summary/windowStats.js';
import { EPISODE_RES_MS, EPISODE_T0, episodeWindow } from '../../fixtures/episodeWindows.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

const settings = (resolutionMs: number) => ({ maxGapMs: 2 * resolutionMs, minDurationMs: 0, topTags: 2 });
const model = { resolutionMs: EPISODE_RES_MS } as ModelDescription;
const revision = { project: 'plant', name: 'pump-02', revision: '1' };

describe('StoredWindowRecords', () => {
  let temp: TempDatabase;
  beforeEach(async () => (temp = await openTempDatabase()));
  afterEach(async () => temp.cleanup());

  it("records a stored window's summary row and its episodes", async () => {
    const episodes = new EpisodeStore(temp.db, settings, () => EPISODE_T0);
    const records = new StoredWindowRecords(episodes, () => EPISODE_T0);
    await records.record(episodeWindow(0), model);
    await records.record(episodeWindow(1), model);
    await records.record(episodeWindow(1), model); // a re-run replaces its row
    const summaries = new SummaryStore(temp.db);
    expect(await summaries.windows(revision)).to.have.deep.members([
      windowStats(episodeWindow(0), EPISODE_RES_MS),
      windowStats(episodeWindow(1), EPISODE_RES_MS),
    ]);
    const open = await episodes.list({ open: true, limit: 10 });
    expect(open.map((e) => new Date(e.startMs).toISOString())).to.deep.equal(['2026-01-01T14:05:00.000Z']);
  });

  it('on SQLite writes neither when the episode record fails: they are one transaction', async () => {
    const failing = new EpisodeStore(
      temp.db,
      settings,
      () => EPISODE_T0,
      () => [{ sql: 'INSERT INTO no_such_table VALUES (1)', params: [] }],
    );
    const records = new StoredWindowRecords(failing, () => EPISODE_T0);
    const err = await records.record(episodeWindow(0), model).then(
      () => expect.fail('expected the episode events to fail the record'),
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/no_such_table/);
    expect(await new SummaryStore(temp.db).windows(revision)).to.deep.equal([]);
  });
});
