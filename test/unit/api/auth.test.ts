import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { authenticate, roleAllows } from '../../../src/api/auth.js';
import { ApiProblem } from '../../../src/api/problem.js';
import type { ApiToken } from '../../../src/config/sections.js';

const token = (name: string, role: ApiToken['role'], text: string): ApiToken => ({
  name,
  role,
  sha256: createHash('sha256').update(text).digest(),
});
const tokens = [token('grafana', 'viewer', 'viewer-secret-0123456789'), token('ops', 'operator', 'operator-secret-0123456789')];

function problemOf(run: () => unknown): ApiProblem {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ApiProblem);
    return err as ApiProblem;
  }
  throw new Error('expected an ApiProblem');
}

describe('api auth', () => {
  it('resolves a Bearer token to its name and role', () => {
    expect(authenticate('Bearer operator-secret-0123456789', tokens)).to.deep.equal({ name: 'ops', role: 'operator' });
    expect(authenticate('bearer viewer-secret-0123456789', tokens)).to.deep.equal({ name: 'grafana', role: 'viewer' });
  });

  it('accepts HTTP Basic with the token as password, whatever the user name', () => {
    const basic = `Basic ${Buffer.from('enodo-client:viewer-secret-0123456789').toString('base64')}`;
    expect(authenticate(basic, tokens)).to.deep.equal({ name: 'grafana', role: 'viewer' });
  });

  const refused: [string, string | undefined][] = [
    ['no header', undefined],
    ['a wrong token', 'Bearer not-a-configured-token-000'],
    ['an empty Bearer', 'Bearer '],
    ['Basic without a password', `Basic ${Buffer.from('viewer-secret-0123456789').toString('base64')}`],
    ['another scheme', 'Digest viewer-secret-0123456789'],
  ];
  for (const [what, header] of refused) {
    it(`answers 401 naming header.authorization for ${what}, without echoing the token`, () => {
      const problem = problemOf(() => authenticate(header, tokens));
      expect(problem.status).to.equal(401);
      expect(problem.field).to.equal('header.authorization');
      expect(problem.detail).to.not.contain('secret').and.not.contain('not-a-configured');
    });
  }

  it('treats every caller as the local admin when no tokens are configured (loopback only)', () => {
    expect(authenticate(undefined, [])).to.deep.equal({ name: 'local', role: 'admin' });
  });

  it('orders roles viewer < operator < admin', () => {
    expect(roleAllows('admin', 'operator')).to.equal(true);
    expect(roleAllows('operator', 'operator')).to.equal(true);
    expect(roleAllows('viewer', 'operator')).to.equal(false);
    expect(roleAllows('operator', 'admin')).to.equal(false);
  });
});
