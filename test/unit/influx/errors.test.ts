import { expect } from 'chai';
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { InfluxHttpError, InfluxStatementError, PartialWriteError, toProviderError } from '../../../providers/influx/errors.js';
import { parseRetryAfter } from '../../../src/runtime/retry.js';
import { ProviderError } from '../../../src/runtime/errors.js';

const translate = (err: unknown) => toProviderError(err, 'influx.test') as ProviderError;

describe('influx error translation', () => {
  it('treats 429, 5xx and timeouts as transient, with Retry-After in milliseconds', () => {
    expect(translate(new InfluxHttpError(429, 'slow down', 2_000))).to.include({ retryable: true, retryAfterMs: 2_000 });
    expect(translate(new InfluxHttpError(503, 'request throttled, queue full'))).to.include({ retryable: true });
    expect(translate(new InfluxHttpError(500, 'timeout'))).to.include({ retryable: true });
    expect(translate(new RequestTimedOutError())).to.include({ retryable: true });
    const v2 = translate(
      new HttpError(429, 'Too Many Requests', '{"code":"too many requests","message":"quota"}', '3', 'application/json', undefined, {
        'retry-after': '3',
      }),
    );
    expect(v2).to.include({ retryable: true, retryAfterMs: 3_000 });
    expect(v2.message).to.equal('influx.test: HTTP 429: quota');
  });

  it('treats other 4xx, and a 500 for a missing retention policy, as permanent with the server message', () => {
    expect(translate(new InfluxHttpError(404, 'database not found: "x"'))).to.include({
      retryable: false,
      message: 'influx.test: HTTP 404: database not found: "x"',
    });
    expect(translate(new InfluxHttpError(500, 'retention policy not found: nope'))).to.include({ retryable: false });
    expect(translate(new InfluxStatementError('error parsing query: found FORM'))).to.include({ retryable: false });
    expect(translate(new InfluxStatementError('query-timeout limit exceeded'))).to.include({ retryable: true });
  });

  it('reads the dropped count of a partial write', () => {
    const err = translate(
      new InfluxHttpError(
        400,
        'partial write: field type conflict: input field "value" on measurement "m" is type integer, already exists as type float dropped=7',
      ),
    );
    expect(err).to.be.instanceOf(PartialWriteError).and.include({ retryable: false, droppedPoints: 7 });
    expect(translate(new InfluxHttpError(400, "unable to parse 'x': missing fields"))).to.not.be.instanceOf(PartialWriteError);
  });

  it('treats refused and reset connections as transient, and passes AbortError through untouched', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    expect(translate(refused)).to.include({ retryable: true, message: 'influx.test: cannot reach InfluxDB (ECONNREFUSED)' });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toProviderError(abort, 'influx.test')).to.equal(abort);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).to.equal(2_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).to.equal(10_000);
    expect(parseRetryAfter('soon')).to.equal(undefined);
    expect(parseRetryAfter(null)).to.equal(undefined);
  });
});
