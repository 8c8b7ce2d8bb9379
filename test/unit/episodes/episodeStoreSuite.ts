import { expect } from 'chai';
import type { EpisodeChange } from '../../../src/episodes/computeEpisodes.js';
import { EpisodeStore } from '../../../src/episodes/EpisodeStore.js';
import { EPISODE_RES_MS, EPISODE_T0, EPISODE_WINDOWS, episodeWindow } from '../../fixtures/episodeWindows.js';
import type { TempDatabase } from '../embedded/tempDatabase.js';

const RES = EPISODE_RES_MS;
const T0 = EPISODE_T0;
const WINDOWS = [...EPISODE_WINDOWS];
const settings = (resolutionMs: number) => ({ maxGapMs: 2 * resolutionMs, minDurationMs: 0, topTags: 2 });
const windowAt = (index: number) => episodeWindow(index);

/** A fixed pseudo-random permutation (so a failure reproduces). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The episode store on one database dialect (SQLite in EpisodeStore.test.ts, PostgreSQL in
 * test/integration/episodeStore.postgres.test.ts); `openTempDatabase` gives a migrated, empty database each time.
 */
export function describeEpisodeStore(label: string, openTempDatabase: () => Promise<TempDatabase>): void {
  describe(`EpisodeStore on ${label}`, function () {
    this.timeout(60_000);
    let temp: TempDatabase;
    let store: EpisodeStore;

    beforeEach(async () => {
      temp = await openTempDatabase();
      store = new EpisodeStore(temp.db, settings, () => T0);
    });
    afterEach(async () => temp.cleanup());

    const all = () => store.list({ limit: 100 });

    it('merges a stretch spanning four windows, across a bridged gap, into one episode', async () => {
      const changes: EpisodeChange[] = [];
      for (const i of WINDOWS) changes.push(...(await store.record(windowAt(i), RES)));
      const episodes = (await all()).reverse();
      expect(episodes.map((e) => [new Date(e.startMs).toISOString(), new Date(e.endMs).toISOString(), e.points, e.open])).to.deep.equal([
        ['2026-01-01T14:05:00.000Z', '2026-01-01T14:35:00.000Z', 178, false],
        ['2026-01-01T14:50:00.000Z', '2026-01-01T14:50:10.000Z', 1, false],
        ['2026-01-01T15:20:00.000Z', '2026-01-01T15:22:00.000Z', 12, false],
      ]);
      const first = episodes[0]!;
      expect(first.topTags.map((t) => t.tag)).to.deep.equal(['discharge_pressure', 'vibration']);
      expect(first.topTags[0]!.share + first.topTags[1]!.share).to.be.within(0.97, 1.0001);
      expect(first.peakScore).to.equal(11);
      expect(first.threshold).to.equal(4);
      // Live order: the long episode opens once, grows while its windows arrive, and closes once.
      const ofFirst = changes.filter((c) => c.episode.id === first.id).map((c) => c.type);
      expect(ofFirst[0]).to.equal('episode.opened');
      expect(ofFirst.filter((t) => t === 'episode.opened')).to.have.length(1);
      expect(ofFirst.filter((t) => t === 'episode.closed')).to.have.length(1);
      expect(ofFirst.filter((t) => t === 'episode.updated').length).to.be.greaterThan(0);
      expect(ofFirst).not.to.include('episode.withdrawn');
    });

    it('is open while the predictions have not passed its end by max_gap', async () => {
      for (const i of [0, 1, 2]) await store.record(windowAt(i), RES);
      const open = await store.list({ open: true, limit: 10 });
      expect(open).to.have.length(1);
      expect(new Date(open[0]!.startMs).toISOString()).to.equal('2026-01-01T14:05:00.000Z');
      expect(open[0]!.open).to.equal(true);
    });

    it('gives the same episodes whatever order the windows are stored in, a backfill overlapping live windows included', async () => {
      for (const i of WINDOWS) await store.record(windowAt(i), RES);
      const reference = await all();
      expect(reference).to.have.length(3);
      const orders = [
        shuffled(WINDOWS, 1),
        shuffled(WINDOWS, 7),
        [...WINDOWS].reverse(),
        // live windows 5..9 first, then a backfill of 0..6 that overlaps them, then 2 again (a re-run)
        [5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 2],
      ];
      for (const order of orders) {
        const other = await openTempDatabase();
        try {
          const otherStore = new EpisodeStore(other.db, settings, () => T0);
          for (const i of order) await otherStore.record(windowAt(i), RES);
          expect(await otherStore.list({ limit: 100 }), `order ${order.join(',')}`).to.deep.equal(reference);
        } finally {
          await other.cleanup();
        }
      }
    });

    it('gives the same episodes when the windows are recorded concurrently', async () => {
      const reference = await (async () => {
        for (const i of WINDOWS) await store.record(windowAt(i), RES);
        return all();
      })();
      const other = await openTempDatabase();
      try {
        const otherStore = new EpisodeStore(other.db, settings, () => T0);
        await Promise.all(shuffled(WINDOWS, 3).map((i) => otherStore.record(windowAt(i), RES)));
        expect(await otherStore.list({ limit: 100 })).to.deep.equal(reference);
      } finally {
        await other.cleanup();
      }
    });

    it('withdraws an episode a backfill joins to an earlier one', async () => {
      // Windows 1..3 alone: the stretch starts at 14:10 (window 0 holds 14:05-14:10).
      for (const i of [1, 2, 3, 4]) await store.record(windowAt(i), RES);
      const before = await all();
      const late = before.find((e) => new Date(e.startMs).toISOString() === '2026-01-01T14:10:00.000Z');
      expect(late, 'episode starting at 14:10 before the backfill').not.to.equal(undefined);
      const changes = await store.record(windowAt(0), RES);
      expect(changes.map((c) => [c.type, new Date(c.episode.startMs).toISOString()])).to.deep.include.members([
        ['episode.opened', '2026-01-01T14:05:00.000Z'],
        ['episode.withdrawn', '2026-01-01T14:10:00.000Z'],
      ]);
      expect((await all()).map((e) => e.id)).not.to.include(late!.id);
    });

    it('withdraws the episode of a window re-run without anomalies, and changes nothing for a clean window beside closed ones', async () => {
      for (const i of [6, 7, 8]) await store.record(windowAt(i), RES); // the 15:20 stretch, closed by window 8
      const stretch = await all();
      expect(stretch.map((e) => [new Date(e.startMs).toISOString(), e.open])).to.deep.equal([['2026-01-01T15:20:00.000Z', false]]);
      expect(await store.record(windowAt(9), RES), 'a clean window after closed episodes').to.deep.equal([]);
      expect(await all()).to.deep.equal(stretch);
      // Window 8 (15:20-15:30) computed again, its rows no longer anomalous: nothing new, but its stored points go.
      const clean = windowAt(8);
      const rerun = { ...clean, rows: clean.rows.map((r) => ({ ...r, isAnomaly: false, totalAnomaly: 0.5 })) };
      const changes = await store.record(rerun, RES);
      expect(changes.map((c) => [c.type, new Date(c.episode.startMs).toISOString()])).to.deep.equal([
        ['episode.withdrawn', '2026-01-01T15:20:00.000Z'],
      ]);
      expect(await all()).to.deep.equal([]);
    });

    it('passes its changes to the outbox statements in the same transaction', async () => {
      const seen: string[] = [];
      const withEvents = new EpisodeStore(
        temp.db,
        settings,
        () => T0,
        (changes) => {
          seen.push(...changes.map((c) => c.type));
          return [{ sql: `SELECT 1`, params: [] }];
        },
      );
      await withEvents.record(windowAt(0), RES);
      expect(seen).to.deep.equal(['episode.opened']);
    });
  });
}
