import { expect } from 'chai';
import { DateTime } from 'luxon';
import { ConfigError } from '../../../src/runtime/errors.js';
import { createSchedule, dueTickIndices, tickIndicesWithin, type Schedule, type ScheduleConfig } from '../../../src/scheduler/ticks.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const oslo = (ms: number): string => DateTime.fromMillis(ms, { zone: 'Europe/Oslo' }).toFormat("yyyy-MM-dd'T'HH:mm ZZ");

function schedule(overrides: Partial<ScheduleConfig> = {}): Schedule {
  return createSchedule({ startTime: '2026-01-01T00:00:00', timeZone: 'UTC', intervalMs: 10 * MIN, delayMs: 0, ...overrides });
}

/** Ticks whose time lies in [fromMs, toMs). */
function ticksBetween(s: Schedule, fromMs: number, toMs: number): number[] {
  const ticks: number[] = [];
  for (let k = s.latestTickIndex(fromMs - 1) + 1; s.tickMs(k) < toMs; k++) ticks.push(s.tickMs(k));
  return ticks;
}

function expectTiling(s: Schedule, firstK: number, lastK: number): void {
  for (let k = firstK + 1; k <= lastK; k++) expect(s.windowOf(k).fromMs, `window ${k}`).to.equal(s.windowOf(k - 1).toMs);
}

describe('schedule ticks', () => {
  it('steps from start_time by the interval, and a tick exists only once it is due', () => {
    const s = schedule();
    expect(iso(s.tickMs(0))).to.equal('2026-01-01T00:00:00.000Z');
    expect(iso(s.tickMs(s.latestTickIndex(at('2026-01-01T00:29:59.999Z'))))).to.equal('2026-01-01T00:20:00.000Z');
    expect(iso(s.tickMs(s.latestTickIndex(at('2026-01-01T00:30:00.000Z'))))).to.equal('2026-01-01T00:30:00.000Z');
  });

  it('makes window k = [tick(k-1) - delay, tick(k) - delay), tiling time without gap or overlap', () => {
    const s = schedule({ delayMs: MIN });
    const k = s.latestTickIndex(at('2026-01-01T00:30:00Z'));
    expect(s.windowOf(k)).to.deep.equal({ fromMs: at('2026-01-01T00:19:00Z'), toMs: at('2026-01-01T00:29:00Z') });
    expectTiling(s, k - 200, k + 200);
  });

  it('keeps ticks aligned to start_time across midnight instead of restarting at midnight', () => {
    const s = schedule({ startTime: '2026-01-01T00:20:00', intervalMs: 25 * MIN });
    const k = s.latestTickIndex(at('2026-01-02T00:00:00Z'));
    expect(iso(s.tickMs(k))).to.equal('2026-01-01T23:40:00.000Z');
    expect(iso(s.tickMs(k + 1))).to.equal('2026-01-02T00:05:00.000Z');
    expect(s.windowOf(k + 1)).to.deep.equal({ fromMs: at('2026-01-01T23:40:00Z'), toMs: at('2026-01-02T00:05:00Z') });
  });

  it('anchors the grid at start_time in both directions, so ticks before it are aligned too', () => {
    const s = schedule({ startTime: '2026-01-01T00:05:00' });
    expect(iso(s.tickMs(s.latestTickIndex(at('2025-12-31T23:59:00Z'))))).to.equal('2025-12-31T23:55:00.000Z');
  });

  it('reads start_time as local time in the configured time zone, UTC by default', () => {
    expect(iso(schedule().tickMs(0))).to.equal('2026-01-01T00:00:00.000Z');
    expect(iso(schedule({ timeZone: 'Europe/Oslo' }).tickMs(0))).to.equal('2025-12-31T23:00:00.000Z');
    expect(iso(schedule({ timeZone: 'America/New_York', startTime: '2026-07-01T06:00:00' }).tickMs(0))).to.equal(
      '2026-07-01T10:00:00.000Z',
    );
  });

  it('reads a start_time with an offset as that instant', () => {
    expect(iso(schedule({ startTime: '2026-01-01T06:00:00+02:00' }).tickMs(0))).to.equal('2026-01-01T04:00:00.000Z');
    expect(iso(schedule({ startTime: '2026-01-01T06:00:00Z', timeZone: 'Europe/Oslo' }).tickMs(0))).to.equal('2026-01-01T06:00:00.000Z');
  });

  describe('across daylight-saving changes in Europe/Oslo', () => {
    const spring = { fromMs: at('2026-03-28T23:00:00Z'), toMs: at('2026-03-29T22:00:00Z') }; // local 29 March, 23 h
    const autumn = { fromMs: at('2026-10-24T22:00:00Z'), toMs: at('2026-10-25T23:00:00Z') }; // local 25 October, 25 h

    it('keeps 30-minute ticks on :00 and :30 through the spring change, with 46 half-hour windows that day', () => {
      const s = schedule({ startTime: '2026-03-01T00:00:00', timeZone: 'Europe/Oslo', intervalMs: 30 * MIN });
      const ticks = ticksBetween(s, spring.fromMs, spring.toMs);
      expect(ticks).to.have.length(46);
      for (const t of ticks) expect(DateTime.fromMillis(t, { zone: 'Europe/Oslo' }).minute).to.be.oneOf([0, 30]);
      const k = s.latestTickIndex(at('2026-03-29T00:30:00Z'));
      expect(oslo(s.tickMs(k))).to.equal('2026-03-29T01:30 +01:00');
      expect(oslo(s.tickMs(k + 1))).to.equal('2026-03-29T03:00 +02:00');
      for (let j = k - 5; j < k + 5; j++) expect(s.windowOf(j).toMs - s.windowOf(j).fromMs).to.equal(30 * MIN);
      expectTiling(s, k - 5, k + 5);
    });

    it('keeps 30-minute ticks on :00 and :30 through the autumn change, with 50 half-hour windows that day', () => {
      const s = schedule({ startTime: '2026-03-01T00:00:00', timeZone: 'Europe/Oslo', intervalMs: 30 * MIN });
      const ticks = ticksBetween(s, autumn.fromMs, autumn.toMs);
      expect(ticks).to.have.length(50);
      const local = ticks.map(oslo);
      expect(local).to.include.members([
        '2026-10-25T02:00 +02:00',
        '2026-10-25T02:30 +02:00',
        '2026-10-25T02:00 +01:00',
        '2026-10-25T02:30 +01:00',
      ]);
      expectTiling(s, s.latestTickIndex(autumn.fromMs), s.latestTickIndex(autumn.toMs));
    });

    it('keeps a daily tick at local midnight, so the spring-change day has a 23-hour window', () => {
      const s = schedule({ startTime: '2026-01-01T00:00:00', timeZone: 'Europe/Oslo', intervalMs: DAY });
      const k = s.latestTickIndex(at('2026-03-30T12:00:00Z'));
      expect([k - 2, k - 1, k, k + 1].map((j) => oslo(s.tickMs(j)))).to.deep.equal([
        '2026-03-28T00:00 +01:00',
        '2026-03-29T00:00 +01:00',
        '2026-03-30T00:00 +02:00',
        '2026-03-31T00:00 +02:00',
      ]);
      expect(s.windowOf(k)).to.deep.equal(spring);
      expect(s.windowOf(k - 1).toMs - s.windowOf(k - 1).fromMs).to.equal(DAY);
      expectTiling(s, k - 3, k + 3);
    });

    it('keeps a daily tick at local midnight, so the autumn-change day has a 25-hour window', () => {
      const s = schedule({ startTime: '2026-01-01T00:00:00', timeZone: 'Europe/Oslo', intervalMs: DAY });
      const k = s.latestTickIndex(at('2026-10-26T12:00:00Z'));
      expect(oslo(s.tickMs(k))).to.equal('2026-10-26T00:00 +01:00');
      expect(s.windowOf(k)).to.deep.equal(autumn);
      expectTiling(s, k - 3, k + 3);
    });

    it('finds the latest daily tick exactly at the edges of a 23-hour day', () => {
      const s = schedule({ startTime: '2026-01-01T00:00:00', timeZone: 'Europe/Oslo', intervalMs: DAY });
      expect(oslo(s.tickMs(s.latestTickIndex(spring.toMs - 1)))).to.equal('2026-03-29T00:00 +01:00');
      expect(oslo(s.tickMs(s.latestTickIndex(spring.toMs)))).to.equal('2026-03-30T00:00 +02:00');
    });
  });

  it('limits the due ticks to (now - horizon, now], keeping the latest tick even with no horizon', () => {
    const s = schedule();
    const now = at('2026-01-02T00:05:00Z');
    const { firstK, lastK } = dueTickIndices(s, now, HOUR);
    expect([iso(s.tickMs(firstK)), iso(s.tickMs(lastK))]).to.deep.equal(['2026-01-01T23:10:00.000Z', '2026-01-02T00:00:00.000Z']);
    const none = dueTickIndices(s, now, 0);
    expect(none.firstK).to.equal(none.lastK);
    expect(iso(s.tickMs(none.lastK))).to.equal('2026-01-02T00:00:00.000Z');
  });

  it('selects for a range only the windows lying entirely inside it', () => {
    const s = schedule({ delayMs: MIN });
    const { firstK, lastK } = tickIndicesWithin(s, { fromMs: at('2026-01-01T00:05:00Z'), toMs: at('2026-01-01T01:00:00Z') });
    expect(s.windowOf(firstK)).to.deep.equal({ fromMs: at('2026-01-01T00:09:00Z'), toMs: at('2026-01-01T00:19:00Z') });
    expect(s.windowOf(lastK)).to.deep.equal({ fromMs: at('2026-01-01T00:49:00Z'), toMs: at('2026-01-01T00:59:00Z') });
    const aligned = tickIndicesWithin(s, { fromMs: at('2026-01-01T00:09:00Z'), toMs: at('2026-01-01T00:59:00Z') });
    expect(aligned).to.deep.equal({ firstK, lastK });
  });

  it('refuses an unknown time zone or an unreadable start_time, naming the key', () => {
    const failure = (config: Partial<ScheduleConfig>): ConfigError => {
      try {
        createSchedule({ startTime: '2026-01-01T00:00:00', timeZone: 'UTC', intervalMs: MIN, delayMs: 0, ...config });
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(failure({ timeZone: 'Europe/Atlantis' }).path).to.equal('scheduler.time_zone');
    expect(failure({ startTime: 'yesterday at noon' }).path).to.equal('scheduler.start_time');
    expect(failure({ startTime: '2026-13-01T00:00:00' }).message).to.contain('2026-13-01T00:00:00');
  });
});
