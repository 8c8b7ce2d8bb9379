import { expect } from 'chai';
import { parseInfluxSensorConfig } from '../../../providers/influx/config.js';
import { bucketMeansFlux, sensorSeriesFlux } from '../../../providers/influx/flux.js';
import { bucketMeansQuery, quoteIdentifier, quoteString, sensorSeriesQuery } from '../../../providers/influx/influxql.js';
import { escapeKey, escapeMeasurement, floatLiteral, pointLine, seriesKey } from '../../../providers/influx/lineProtocol.js';

const layout = parseInfluxSensorConfig({}, 'sensor_data').sensors;
const plan = { keys: ['a', `x' OR "tag" =~ /.*/ --`], fromMs: 1_000_000, toMs: 1_060_000, resolutionMs: 10_000 };

describe('InfluxQL quoting', () => {
  it('escapes backslashes, the quote and line breaks, and nothing else', () => {
    expect(quoteIdentifier('a"b\\c\nd')).to.equal('"a\\"b\\\\c\\nd"');
    expect(quoteString(`it's \\ "ok"`)).to.equal(`'it\\'s \\\\ "ok"'`);
    expect(quoteString('ünï; DROP')).to.equal(`'ünï; DROP'`);
  });

  it('refuses a carriage return, which no InfluxQL literal can carry', () => {
    expect(() => quoteString('a\rb')).to.throw(RangeError);
  });

  it('reads the mean of each sensor per epoch-aligned bucket, every value quoted', () => {
    expect(bucketMeansQuery(plan, layout)).to.equal(
      `SELECT mean("value") AS "mean" FROM "sensor" WHERE ("tag" = 'a' OR "tag" = 'x\\' OR "tag" =~ /.*/ --') ` +
        'AND time >= 1000000ms AND time < 1060000ms GROUP BY time(10000ms), "tag" fill(none)',
    );
    expect(bucketMeansQuery(plan, { ...layout, measurementPerSensor: true })).to.equal(
      `SELECT mean("value") AS "mean" FROM "a", "x' OR \\"tag\\" =~ /.*/ --" ` +
        'WHERE time >= 1000000ms AND time < 1060000ms GROUP BY time(10000ms) fill(none)',
    );
  });

  it('lists sensor series with their describing tags, filtered by asset or name', () => {
    expect(sensorSeriesQuery({ asset: `o'brien` }, layout)).to.equal(
      `SELECT last("value") FROM "sensor" WHERE "asset" = 'o\\'brien' GROUP BY "tag", "asset", "unit"`,
    );
    expect(sensorSeriesQuery({ sensor: 'a"b' }, { ...layout, measurementPerSensor: true })).to.equal(
      'SELECT last("value") FROM "a\\"b" GROUP BY "asset", "unit"',
    );
  });
});

describe('Flux text', () => {
  it('compares columns with escaped strings and windows by the resolution, labelled by window start', () => {
    const flux = bucketMeansFlux('plant "north"', plan, layout);
    expect(flux).to.equal(
      [
        'from(bucket: "plant \\"north\\"")',
        '  |> range(start: 1970-01-01T00:16:40.000Z, stop: 1970-01-01T00:17:40.000Z)',
        '  |> filter(fn: (r) => r._measurement == "sensor" and r._field == "value")',
        `  |> filter(fn: (r) => r["tag"] == "a" or r["tag"] == "x' OR \\"tag\\" =~ /.*/ --")`,
        '  |> aggregateWindow(every: 10000ms, fn: mean, createEmpty: false, timeSrc: "_start")',
        '  |> keep(columns: ["_time", "_value", "tag"])',
      ].join('\n'),
    );
  });

  it('escapes ${ and line breaks in names, so nothing is interpolated', () => {
    expect(sensorSeriesFlux('b', { sensor: '${secret}\nx' }, layout)).to.contain('r["tag"] == "\\${secret}\\nx"');
  });
});

describe('line protocol', () => {
  it('escapes commas and spaces in measurements, and also equals signs in keys and tag values', () => {
    expect(escapeMeasurement('a, b=c')).to.equal('a\\,\\ b=c');
    expect(escapeKey('a, b=c')).to.equal('a\\,\\ b\\=c');
    expect(
      seriesKey('m x', [
        ['k=1', 'v 1'],
        ['empty', ''],
      ]),
    ).to.equal('m\\ x,k\\=1=v\\ 1');
  });

  it('writes finite floats with a millisecond timestamp and refuses NaN and infinities', () => {
    expect(pointLine('m,k=v', 'value', 5, 1_000)).to.equal('m,k=v value=5 1000');
    expect(floatLiteral(-1.5e-7)).to.equal('-1.5e-7');
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => floatLiteral(bad)).to.throw(RangeError);
  });
});
