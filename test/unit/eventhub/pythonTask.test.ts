import { expect } from 'chai';
import { parsePythonTask, toPythonBody } from '../../../providers/eventhub/pythonTask.js';
import { encodeTask, newTask } from '../../../src/domain/Task.js';

describe('Python latigo task messages', () => {
  const fromMs = Date.parse('2026-03-01T10:00:00Z');

  it('parses float epoch seconds to whole milliseconds', () => {
    const body = JSON.stringify({ project_name: 'plant', model_name: 'pump-1', from_time: fromMs / 1000 + 0.0004, to_time: fromMs / 1000 + 600.25 });
    expect(parsePythonTask(body)).to.deep.equal({ project: 'plant', model: 'pump-1', window: { fromMs, toMs: fromMs + 600_250 } });
  });

  it('leaves our own messages, garbage and reversed windows alone (undefined)', () => {
    expect(parsePythonTask(encodeTask(newTask('p', 'm', 'r', { fromMs, toMs: fromMs + 1000 })))).to.equal(undefined);
    expect(parsePythonTask('{not json')).to.equal(undefined);
    expect(parsePythonTask(JSON.stringify({ project_name: 'p', model_name: 'm', from_time: 10, to_time: 10 }))).to.equal(undefined);
    expect(parsePythonTask(JSON.stringify({ project_name: 'p', model_name: 'm', from_time: '10', to_time: 20 }))).to.equal(undefined);
  });

  it('round-trips our task through the Python format', () => {
    const task = newTask('plant', 'pump-1', 'r3', { fromMs, toMs: fromMs + 600_000 });
    expect(parsePythonTask(toPythonBody(encodeTask(task)))).to.deep.equal({ project: 'plant', model: 'pump-1', window: task.window });
  });
});
