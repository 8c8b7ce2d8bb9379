import { expect } from 'chai';
import type { SensorPoints, SensorWriter, WritePointsResult } from '../../../src/contracts/SensorWriter.js';
import { GroupCommitSensorWriter } from '../../../src/ingest/GroupCommitSensorWriter.js';

const T0 = Date.UTC(2026, 0, 1);

/** A writer that records each call's points (flattened to [sensor, time, value]) and fails calls holding `poison`. */
class RecordingWriter implements SensorWriter {
  readonly calls: [string, number, number][][] = [];
  /** Resolves the pending call; calls wait for it when `hold` is set, like a write still in progress. */
  release: (() => void) | undefined;
  hold = false;

  constructor(private readonly poison = 'poison') {}

  defineSensors(): Promise<void> {
    return Promise.resolve();
  }

  async writePoints(points: readonly SensorPoints[]): Promise<WritePointsResult> {
    const flat: [string, number, number][] = [];
    for (const p of points) for (let i = 0; i < p.timesMs.length; i++) flat.push([p.sensor, p.timesMs[i]!, p.values[i]!]);
    this.calls.push(flat);
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    if (points.some((p) => p.sensor === this.poison)) throw new Error('refused');
    return { written: flat.length, nonFinite: 0 };
  }
}

const series = (sensor: string, from: number, n: number, value = 1): SensorPoints => ({
  sensor,
  timesMs: Array.from({ length: n }, (_, i) => T0 + (from + i) * 1000),
  values: Array.from({ length: n }, () => value),
});

/** Resolves when `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('GroupCommitSensorWriter', () => {
  it('writes a lone request at once, without waiting for others', async () => {
    const inner = new RecordingWriter();
    const writer = new GroupCommitSensorWriter(inner, { lingerMs: 60_000 });
    const result = await writer.track(() => writer.writePoints([series('a', 0, 3)]));
    expect(result).to.deep.equal({ written: 3, nonFinite: 0 });
    expect(inner.calls).to.have.length(1);
  });

  it('merges the requests that ask while a write is in progress into one write, per sensor in arrival order', async () => {
    const inner = new RecordingWriter();
    inner.hold = true;
    const writer = new GroupCommitSensorWriter(inner, { lingerMs: 60_000 });
    const first = writer.track(() => writer.writePoints([series('a', 0, 2)]));
    await until(() => inner.release !== undefined);
    const second = writer.track(() => writer.writePoints([series('a', 2, 2), series('b', 0, 1)]));
    const third = writer.track(() => writer.writePoints([series('a', 4, 1, 7)]));
    inner.hold = false;
    inner.release!();
    expect(await first).to.deep.equal({ written: 2, nonFinite: 0 });
    expect(await second).to.deep.equal({ written: 3, nonFinite: 0 });
    expect(await third).to.deep.equal({ written: 1, nonFinite: 0 });
    expect(inner.calls).to.have.length(2);
    expect(inner.calls[1]).to.deep.equal([
      ['a', T0 + 2000, 1],
      ['a', T0 + 3000, 1],
      ['a', T0 + 4000, 7],
      ['b', T0, 1],
    ]);
  });

  it('fails only the request whose points fail: a failed group is written again member by member', async () => {
    const inner = new RecordingWriter();
    inner.hold = true;
    const writer = new GroupCommitSensorWriter(inner, { lingerMs: 60_000 });
    const first = writer.track(() => writer.writePoints([series('a', 0, 1)]));
    await until(() => inner.release !== undefined);
    const good = writer.track(() => writer.writePoints([series('b', 0, 2)]));
    const bad = writer.track(() => writer.writePoints([series('poison', 0, 1)]));
    const alsoGood = writer.track(() => writer.writePoints([series('c', 0, 1)]));
    inner.hold = false;
    inner.release!();
    await first;
    expect(await good).to.deep.equal({ written: 2, nonFinite: 0 });
    const failure = await bad.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).to.be.instanceOf(Error).with.property('message', 'refused');
    expect(await alsoGood).to.deep.equal({ written: 1, nonFinite: 0 });
    // The first alone, the group of three (refused), then each of the three again.
    expect(inner.calls.map((c) => c.map(([sensor]) => sensor))).to.deep.equal([
      ['a'],
      ['b', 'b', 'poison', 'c'],
      ['b', 'b'],
      ['poison'],
      ['c'],
    ]);
  });

  it('waits for the other requests in progress, at most lingerMs, then writes what has asked', async () => {
    const inner = new RecordingWriter();
    const writer = new GroupCommitSensorWriter(inner, { lingerMs: 20 });
    let finishSlow: () => void = () => undefined;
    const slow = writer.track(() => new Promise<void>((resolve) => (finishSlow = resolve)));
    const a = writer.track(() => writer.writePoints([series('a', 0, 1)]));
    const b = writer.track(() => writer.writePoints([series('b', 0, 1)]));
    await Promise.all([a, b]);
    expect(inner.calls).to.have.length(1); // a and b together, after lingerMs without the slow request
    finishSlow();
    await slow;
  });

  it('writes a request with repeated times or non-finite values alone, reporting what the writer reports', async () => {
    const inner = new RecordingWriter();
    inner.hold = true;
    const writer = new GroupCommitSensorWriter(inner, { lingerMs: 60_000 });
    const first = writer.track(() => writer.writePoints([series('a', 0, 1)]));
    await until(() => inner.release !== undefined);
    const repeated = writer.track(() => writer.writePoints([{ sensor: 'b', timesMs: [T0, T0], values: [1, 2] }]));
    const nonFinite = writer.track(() => writer.writePoints([{ sensor: 'c', timesMs: [T0], values: [NaN] }]));
    inner.hold = false;
    inner.release!();
    await Promise.all([first, repeated, nonFinite]);
    expect(inner.calls.map((c) => c.map(([sensor]) => sensor))).to.deep.equal([['a'], ['b', 'b'], ['c']]);
  });
});
