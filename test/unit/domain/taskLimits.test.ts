import { expect } from 'chai';
import { newTask } from '../../../src/domain/Task.js';
import { decodeTask, encodeTask, MalformedTaskError } from '../../../src/domain/taskCodec.js';
import { MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH } from '../../../src/domain/limits.js';

const WINDOW = { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 1, 0, 10) };

function refusal(body: string): string {
  try {
    decodeTask(body);
  } catch (err) {
    expect(err).to.be.instanceOf(MalformedTaskError);
    return (err as Error).message;
  }
  return expect.fail('the body was accepted');
}

describe('decodeTask bounds (issue 14)', () => {
  it('accepts names exactly as long as the ledger columns hold', () => {
    const name = 'm'.repeat(MAX_NAME_LENGTH);
    expect(decodeTask(encodeTask(newTask('p'.repeat(MAX_NAME_LENGTH), name, 'r'.repeat(MAX_NAME_LENGTH), WINDOW))).model).to.equal(name);
  });

  for (const field of ['project', 'model', 'revision'] as const) {
    it(`refuses a ${field} one character longer, naming the field and the limit, without quoting it`, () => {
      const names = { project: 'p', model: 'm', revision: 'r', [field]: 'Q'.repeat(MAX_NAME_LENGTH + 1) };
      const message = refusal(encodeTask(newTask(names.project, names.model, names.revision, WINDOW)));
      expect(message).to.equal(
        `field "${field}" is 201 characters long; names are limited to 200 (the width of the database columns that hold them)`,
      );
    });
  }

  it('refuses a body over the size limit before parsing it, saying so', () => {
    const huge = JSON.stringify({
      v: 1,
      project: 'p',
      model: 'm'.repeat(5_000_000),
      revision: 'r',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-01T00:10:00Z',
    });
    const message = refusal(huge);
    expect(message).to.match(/^body of 5,000,\d{3} characters exceeds the limit of 16,384 for a task message$/);
    expect(MAX_MESSAGE_LENGTH).to.equal(16_384);
  });
});
