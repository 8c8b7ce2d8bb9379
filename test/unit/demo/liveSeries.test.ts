import { expect } from 'chai';
import { demoSchema } from '../../../src/config/sections.js';
import { liveSeries } from '../../../src/demo/DemoFeed.js';
import { demoSeries, generateDemoPlant } from '../../../src/demo/generateDemoPlant.js';
import { demoPlantLayout } from '../../../src/demo/plantLayout.js';

const config = demoSchema.parse({
  assets: 2,
  tags_per_asset: 6,
  resolution: '10s',
  history: '2h',
  training: '1h',
  faults_per_asset: 0,
  seed: 3,
});
const END = Date.UTC(2026, 5, 1, 8, 0, 0);

describe('liveSeries', () => {
  const layout = demoPlantLayout(config);

  it('continues the seeded history with the points due after the last one, up to now', () => {
    const plant = generateDemoPlant(config, END);
    const history = [...demoSeries(plant)];
    const lastSeeded = plant.history.toMs - 10_000;
    const live = liveSeries(layout, lastSeeded, END + 25_000);
    expect(live).to.have.length(2);
    expect([...live[0]!.timesMs]).to.deep.equal([END, END + 10_000, END + 20_000]);
    // The same generator: the history of a plant seeded 20 s later holds exactly these points.
    const later = [...demoSeries(generateDemoPlant(config, END + 30_000))];
    const tail = later[1]!.columns[4]!.subarray(-3);
    expect([...live[1]!.columns[4]!]).to.deep.equal([...tail]);
    expect(history[1]!.columns[4]![history[1]!.timesMs.length - 1]).to.equal(later[1]!.columns[4]![later[1]!.timesMs.length - 4]);
  });

  it('yields nothing when no new point is due', () => {
    expect(liveSeries(layout, END, END + 9_999)).to.deep.equal([]);
    expect(liveSeries(layout, END, END)).to.deep.equal([]);
  });
});
