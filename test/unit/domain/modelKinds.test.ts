import { expect } from 'chai';
import { MODEL_KINDS, modelKindOf, validateModelParameters } from '../../../src/domain/modelKinds/index.js';

describe('model kinds', () => {
  it('fills the forecast defaults', () => {
    const check = validateModelParameters('forecast', { horizon: 12 });
    expect(check.ok).to.equal(true);
    if (check.ok) expect(check.parameters).to.include({ method: 'holt_winters', horizon: 12, coverage: 0.95, season_length: 'auto' });
  });

  it('names the key of each bad parameter', () => {
    const check = validateModelParameters('forecast', { horizon: 0, coverage: 1.5, sesonality: 'additive' });
    expect(check.ok).to.equal(false);
    if (!check.ok)
      expect(check.issues.map((i) => i.key)).to.have.members(['parameters.horizon', 'parameters.coverage', 'parameters.sesonality']);
  });

  it('names the rule and field of a bad threshold rule', () => {
    const check = validateModelParameters('threshold', {
      rules: [
        { type: 'above', tag: 'a', value: 3 },
        { type: 'outside', tag: 'b', low: 5, high: 1 },
      ],
    });
    expect(check.ok).to.equal(false);
    if (!check.ok) expect(check.issues[0]!.key).to.equal('parameters.rules.1.low');
  });

  it('refuses an unknown kind, listing the valid ones', () => {
    const check = validateModelParameters('prophet', {});
    expect(check.ok).to.equal(false);
    if (!check.ok) {
      expect(check.issues[0]!.key).to.equal('kind');
      for (const kind of MODEL_KINDS) expect(check.issues[0]!.message).to.contain(kind);
    }
  });

  it('takes the declared kind, else parameters.kind, else pca_anomaly', () => {
    expect(modelKindOf({ kind: 'threshold', parameters: { kind: 'forecast' } })).to.equal('threshold');
    expect(modelKindOf({ parameters: { kind: 'forecast' } })).to.equal('forecast');
    expect(modelKindOf({})).to.equal('pca_anomaly');
  });
});
