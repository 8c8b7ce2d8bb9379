/**
 * The season length of `y` in rows, or 0 when there is none. Missing values (NaN) are skipped.
 *
 * The autocorrelation of a real series carries the ripple of every faster cycle on top of the season's
 * envelope (the demo's tags: a daily season and a 30-60 minute cycle make local peaks some rows either side
 * of the day, none at the day itself), so the highest or first local peak is not the season. Instead:
 * 1. the autocorrelation of the linearly detrended series is smoothed over a window proportional to the
 *    candidate lag (`envelopeWidth` of it), which averages a faster cycle's ripple away;
 * 2. each period is scored by the mean envelope at its multiples up to `maxLag`: a true season is high at
 *    every multiple, a faster cycle's harmonic falls into the season's troughs, the season's half is low at
 *    its odd multiples, and a period some rows off the season drifts away from it at the higher multiples;
 *    the local peaks of that score above `minCorrelation`, and as far above the envelope's lowest point
 *    before them (a series without a season decays instead), are the candidates;
 * 3. the shortest candidate within 90% of the best score wins (multiples of the season score as well);
 * 4. its length is refined to the row by the power of the series at that period and its first harmonics,
 *    which the faster cycles, at other frequencies, do not shift.
 */
export function detectSeasonLength(
  y: ArrayLike<number>,
  options: { minLag?: number; maxLag?: number; minCorrelation?: number } = {},
): number {
  const n = y.length;
  const minLag = options.minLag ?? 2;
  const maxLag = Math.min(options.maxLag ?? Math.floor(n / 2), Math.floor(n / 2));
  const minCorrelation = options.minCorrelation ?? 0.3;
  if (maxLag < minLag + 1) return 0;
  const d = detrended(y);
  if (d === undefined) return 0;
  const acf = autocorrelation(d, maxLag + 1);
  if (acf === undefined) return 0;
  // Prefix sums make each windowed mean of the autocorrelation O(1).
  const prefix = new Float64Array(acf.length + 1);
  for (let lag = 0; lag < acf.length; lag++) prefix[lag + 1] = prefix[lag]! + acf[lag]!;
  const halfWidth = (period: number) => Math.round((envelopeWidth / 2) * period);
  const envelope = (lag: number, half: number) => {
    const from = Math.max(1, lag - half);
    const to = Math.min(acf.length - 1, lag + half);
    return (prefix[to + 1]! - prefix[from]!) / (to - from + 1);
  };
  // The mean envelope at every multiple of each period up to maxLag (maxLag·ln(maxLag) look-ups in all).
  const score = new Float64Array(maxLag + 2);
  for (let period = Math.max(1, minLag - 1); period <= maxLag + 1; period++) {
    const half = halfWidth(period);
    let sum = 0;
    let multiples = 0;
    for (let lag = period; lag <= maxLag; lag += period) {
      sum += envelope(lag, half);
      multiples++;
    }
    score[period] = multiples > 0 ? sum / multiples : -Infinity;
  }
  // A season's autocorrelation falls between lag 0 and the season (a persistent series without one decays
  // monotonically), so a candidate must rise at least minCorrelation above the lowest envelope before it.
  const candidates: { period: number; score: number }[] = [];
  let lowest = Infinity;
  for (let period = minLag; period <= maxLag; period++) {
    lowest = Math.min(lowest, envelope(period, halfWidth(period)));
    const s = score[period]!;
    if (s <= minCorrelation || s - lowest < minCorrelation || s < score[period - 1]! || s < score[period + 1]!) continue;
    candidates.push({ period, score: s });
  }
  if (candidates.length === 0) return 0;
  const best = Math.max(...candidates.map((c) => c.score));
  const chosen = candidates.find((c) => c.score >= 0.9 * best)!.period;
  const reach = Math.max(1, 2 * halfWidth(chosen));
  return strongestPeriod(d, Math.max(minLag, chosen - reach), Math.min(maxLag, chosen + reach));
}

/** The fraction of a candidate period over which its autocorrelation is averaged into the envelope. */
const envelopeWidth = 0.08;
/** Harmonics summed when refining a period, so a non-sinusoidal season is measured by its whole shape. */
const refineHarmonics = 3;

/** `y` minus its least-squares line (a trend would make every lag look correlated); undefined under 4 values. */
function detrended(y: ArrayLike<number>): Float64Array | undefined {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) continue;
    sx += i;
    sy += y[i]!;
    sxx += i * i;
    sxy += i * y[i]!;
    count++;
  }
  if (count < 4) return undefined;
  const slope = (count * sxy - sx * sy) / (count * sxx - sx * sx || 1);
  const intercept = (sy - slope * sx) / count;
  const d = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) d[i] = y[i]! - intercept - slope * i;
  return d;
}

/** Autocorrelation at lags 0..lastLag (NaN pairs skipped); undefined for a constant series. */
function autocorrelation(d: Float64Array, lastLag: number): Float64Array | undefined {
  let variance = 0;
  for (const v of d) if (Number.isFinite(v)) variance += v * v;
  if (variance === 0) return undefined;
  const acf = new Float64Array(Math.min(lastLag, d.length - 1) + 1);
  for (let lag = 0; lag < acf.length; lag++) {
    let s = 0;
    for (let i = lag; i < d.length; i++) {
      const product = d[i]! * d[i - lag]!;
      if (Number.isFinite(product)) s += product;
    }
    acf[lag] = s / variance;
  }
  return acf;
}

/** The period in [from, to] at which `d` has the most periodogram power (with its first harmonics). */
function strongestPeriod(d: Float64Array, from: number, to: number): number {
  let strongest = from;
  let strongestPower = -Infinity;
  for (let period = from; period <= to; period++) {
    const power = harmonicPower(d, period);
    if (power > strongestPower) {
      strongest = period;
      strongestPower = power;
    }
  }
  return strongest;
}

/** Periodogram power of `d` at frequency 1/period and its first harmonics below the Nyquist frequency. */
function harmonicPower(d: Float64Array, period: number): number {
  let power = 0;
  for (let harmonic = 1; harmonic <= refineHarmonics && 2 * harmonic <= period; harmonic++) {
    const w = (2 * Math.PI * harmonic) / period;
    let re = 0;
    let im = 0;
    for (let t = 0; t < d.length; t++) {
      if (!Number.isFinite(d[t]!)) continue;
      re += d[t]! * Math.cos(w * t);
      im += d[t]! * Math.sin(w * t);
    }
    power += re * re + im * im;
  }
  return power;
}
