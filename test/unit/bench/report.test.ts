import { expect } from 'chai';
import { median, meetsTarget } from '../../../bench/report.js';

describe('meetsTarget (benchmark targets as ../shared/BENCHMARKS.md writes them)', () => {
  it('one-sided bounds', () => {
    expect(meetsTarget(1.3, '<=1.3')).to.equal(true);
    expect(meetsTarget(1.31, '<=1.3')).to.equal(false);
    expect(meetsTarget(0.05, '>=0.05')).to.equal(true);
  });

  it('a range A..B includes both bounds and nothing outside them', () => {
    expect(meetsTarget(0.7, '0.7..1.3')).to.equal(true);
    expect(meetsTarget(1.3, '0.7..1.3')).to.equal(true);
    expect(meetsTarget(0.62, '0.7..1.3')).to.equal(false);
    expect(meetsTarget(1.31, '0.7..1.3')).to.equal(false);
  });

  it('no target, no verdict', () => {
    expect(meetsTarget(1, undefined)).to.equal(undefined);
  });
});

describe('median (the figure of several benchmark runs)', () => {
  it('takes the middle of an odd count and the mean of the two middle values of an even one, in any order', () => {
    const runs = [3, 1, 2];
    expect(median(runs)).to.equal(2);
    expect(runs, 'left unsorted').to.deep.equal([3, 1, 2]);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });
});
