import { expect } from 'chai';
import { newTask } from '../../../src/domain/Task.js';
import { decodeTask, decodeTaskMessage, encodeTask, MalformedTaskError, pinTask, reencodeTask } from '../../../src/domain/taskCodec.js';

describe('task codec: latigo and Python latigo task messages', () => {
  const fromMs = Date.parse('2026-03-01T10:00:00Z');
  const task = newTask('plant', 'pump-1', 'r3', { fromMs, toMs: fromMs + 600_000 });
  const malformed = (body: string) => {
    try {
      decodeTaskMessage(body);
    } catch (err) {
      expect(err).to.be.instanceOf(MalformedTaskError);
      return (err as Error).message;
    }
    return expect.fail(`accepted ${body}`);
  };

  it('round-trips a latigo task', () => {
    expect(decodeTaskMessage(encodeTask(task))).to.deep.equal({ format: 'latigo', task });
    expect(decodeTask(encodeTask(task))).to.deep.equal(task);
  });

  it('parses float epoch seconds of a Python message to whole milliseconds', () => {
    const body = JSON.stringify({
      project_name: 'plant',
      model_name: 'pump-1',
      from_time: fromMs / 1000 + 0.0004,
      to_time: fromMs / 1000 + 600.25,
    });
    expect(decodeTaskMessage(body)).to.deep.equal({
      format: 'python',
      project: 'plant',
      model: 'pump-1',
      window: { fromMs, toMs: fromMs + 600_250 },
    });
  });

  it('reads the Python message as json.dumps writes it (spaces, floats with .0)', () => {
    const body = `{"project_name": "plant", "model_name": "pump-1", "from_time": ${(fromMs / 1000).toFixed(1)}, "to_time": ${((fromMs + 600_000) / 1000).toFixed(1)}}`;
    expect(pinTask(decodeTaskMessage(body), 'r3')).to.deep.equal(task);
  });

  it('round-trips our task through the Python format, pinned again to its revision', () => {
    const python = reencodeTask(encodeTask(task), 'python');
    expect(JSON.parse(python)).to.deep.equal({
      project_name: 'plant',
      model_name: 'pump-1',
      from_time: fromMs / 1000,
      to_time: (fromMs + 600_000) / 1000,
    });
    expect(decodeTaskMessage(python)).to.deep.equal({ format: 'python', project: 'plant', model: 'pump-1', window: task.window });
    expect(pinTask(decodeTaskMessage(python), 'r3')).to.deep.equal(task);
    expect(reencodeTask(encodeTask(task), 'latigo')).to.equal(encodeTask(task));
  });

  it('pins a latigo task to nothing else than its own revision', () => {
    expect(pinTask(decodeTaskMessage(encodeTask(task)), 'r9')).to.deep.equal(task);
  });

  it('refuses a Python message where a revision is required, saying so', () => {
    const python = encodeTask(task, 'python');
    expect(() => decodeTask(python)).to.throw(MalformedTaskError, /Python latigo task names no revision: pin plant\/pump-1/);
  });

  it('names the field of a bad message in either format', () => {
    expect(malformed('{not json')).to.match(/^body is not JSON/);
    expect(malformed('[1]')).to.equal('body is not a JSON object');
    expect(malformed(JSON.stringify({ project: 'p', revision: 'r', from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' }))).to.equal(
      'field "model" must be a non-empty string',
    );
    expect(malformed(JSON.stringify({ project: 'p', model: 'm', revision: 'r', from: 'yesterday', to: '2026-01-01T01:00:00Z' }))).to.equal(
      'field "from" is not a timestamp: yesterday',
    );
    expect(
      malformed(JSON.stringify({ project: 'p', model: 'm', revision: 'r', from: '2026-01-01T01:00:00Z', to: '2026-01-01T00:00:00Z' })),
    ).to.match(/^window is empty or reversed: from 2026-01-01T01:00:00Z to 2026-01-01T00:00:00Z$/);
    expect(malformed(JSON.stringify({ ...JSON.parse(encodeTask(task)), id: 'forged' }))).to.match(
      /^field "id" forged does not match the window/,
    );
    expect(malformed(JSON.stringify({ project_name: 'p', model_name: 'm', from_time: '10', to_time: 20 }))).to.equal(
      'field "from_time" must be epoch seconds (a number)',
    );
    expect(malformed(JSON.stringify({ project_name: '', model_name: 'm', from_time: 10, to_time: 20 }))).to.equal(
      'field "project_name" must be a non-empty string',
    );
    expect(malformed(JSON.stringify({ project_name: 'p', model_name: 'm', from_time: 10, to_time: 10 }))).to.match(
      /^window is empty or reversed: from_time 10 to 10$/,
    );
  });
});
