import { expect } from 'chai';
import { CheckpointTracker } from '../../../providers/eventhub/CheckpointTracker.js';

describe('CheckpointTracker', () => {
  it('advances only past the contiguous prefix of finished events, whatever order they finish in', () => {
    const tracker = new CheckpointTracker<number>();
    const handles = [0, 1, 2, 3, 4].map((n) => tracker.add(n));
    expect(tracker.finish(handles[2]!)).to.equal(undefined);
    expect(tracker.finish(handles[1]!)).to.equal(undefined);
    expect(tracker.outstanding).to.equal(5);
    expect(tracker.finish(handles[0]!)).to.equal(2);
    expect(tracker.outstanding).to.equal(2);
    expect(tracker.finish(handles[4]!)).to.equal(undefined);
    expect(tracker.finish(handles[3]!)).to.equal(4);
    expect(tracker.outstanding).to.equal(0);
  });

  it('keeps working across its periodic compaction', () => {
    const tracker = new CheckpointTracker<number>();
    let last: number | undefined;
    for (let i = 0; i < 5000; i++) last = tracker.finish(tracker.add(i)) ?? last;
    const late = tracker.add(5000);
    const later = tracker.add(5001);
    expect(tracker.finish(later)).to.equal(undefined);
    expect(tracker.finish(late)).to.equal(5001);
    expect(last).to.equal(4999);
  });
});
