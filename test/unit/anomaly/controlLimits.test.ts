import { expect } from 'chai';
import { hotellingT2Limit, jacksonMudholkarQLimit } from '../../../providers/pca/controlLimits.js';

describe('PCA control limits', () => {
  describe('hotellingT2Limit', () => {
    // k = 2, n = 12: factor k(n-1)(n+1) / (n(n-k)) = 2·11·13 / (12·10) = 286/120 = 2.383333.
    // Tabulated F quantiles: F_0.95(2, 10) = 4.103, F_0.99(2, 10) = 7.559.
    it('scales the tabulated F quantile by k(n-1)(n+1)/(n(n-k)) at 95%', () => {
      expect(hotellingT2Limit(2, 12, 0.95)).to.be.closeTo(2.383333 * 4.103, 2e-3);
    });

    it('scales the tabulated F quantile by k(n-1)(n+1)/(n(n-k)) at 99%', () => {
      expect(hotellingT2Limit(2, 12, 0.99)).to.be.closeTo(2.383333 * 7.559, 2e-3);
    });

    // k = 2, n = 5: factor 2·4·6 / (5·3) = 3.2; tabulated F_0.95(2, 3) = 9.552.
    it('uses n - k denominator degrees of freedom', () => {
      expect(hotellingT2Limit(2, 5, 0.95)).to.be.closeTo(3.2 * 9.552, 5e-3);
    });

    it('refuses k >= n, where the F distribution has no denominator degrees of freedom', () => {
      expect(() => hotellingT2Limit(3, 3, 0.95)).to.throw(RangeError);
    });
  });

  describe('jacksonMudholkarQLimit', () => {
    // One discarded eigenvalue 0.2: θ1 = 0.2, θ2 = 0.04, θ3 = 0.008,
    // h0 = 1 - 2·0.2·0.008 / (3·0.04²) = 1 - 0.0032/0.0048 = 1/3; c = Φ⁻¹(0.95) = 1.6448536.
    // bracket = c·√(2·0.04·(1/9))/0.2 + 1 + 0.04·(1/3)(-2/3)/0.04
    //         = 1.6448536·0.0942809/0.2 + 1 - 0.2222222 = 0.7753914 + 0.7777778 = 1.5531692
    // Q_lim = 0.2 · 1.5531692³ = 0.2 · 3.746763 = 0.7493527
    it('matches the hand computation for a single discarded eigenvalue', () => {
      expect(jacksonMudholkarQLimit([0.2], 0.95)).to.be.closeTo(0.7493527, 1e-6);
    });

    // Discarded (2, 1) at 99%: θ1 = 3, θ2 = 5, θ3 = 9, h0 = 1 - 54/75 = 0.28, c = 2.3263479.
    // bracket = c·√(2·5·0.0784)/3 + 1 + 5·0.28·(-0.72)/9 = 2.3263479·0.8854377/3 + 1 - 0.112
    //         = 0.6866113 + 0.888 = 1.5746113
    // Q_lim = 3 · 1.5746113^(1/0.28) = 3 · exp(0.4540086 / 0.28) = 3 · exp(1.6214593) = 3 · 5.060475 = 15.18143
    it('matches the hand computation for two discarded eigenvalues', () => {
      expect(jacksonMudholkarQLimit([2, 1], 0.99)).to.be.closeTo(15.18143, 1e-4);
    });

    // Discarded (1, 0.1 × 20) at 99%: θ1 = 3, θ2 = 1.2, θ3 = 1.02, h0 = 1 - 6.12/4.32 = -0.4167 < 0, so the
    // h0 -> 0 limit applies: Q_lim = θ1·exp(c·√(2θ2)/θ1 - θ2/θ1²)
    //   = 3·exp(2.3263479·1.5491933/3 - 1.2/9) = 3·exp(1.2013054 - 0.1333333) = 3·2.909518 = 8.728555
    it('falls back to the log-normal limit when h0 is not positive', () => {
      expect(jacksonMudholkarQLimit([1, ...new Array<number>(20).fill(0.1)], 0.99)).to.be.closeTo(8.728555, 1e-5);
    });

    it('rises with the confidence', () => {
      expect(jacksonMudholkarQLimit([2, 1], 0.999)).to.be.greaterThan(jacksonMudholkarQLimit([2, 1], 0.99));
    });

    it('is 0 when the discarded components carry no variance', () => {
      expect(jacksonMudholkarQLimit([0, 0], 0.99)).to.equal(0);
      expect(jacksonMudholkarQLimit([], 0.99)).to.equal(0);
    });
  });
});
