import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** Seeded randomness for the demo plant. The generator is pure-rand's; this file only derives seeds
 *  and shapes its uniform draws into the distributions the plant needs. */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Standard normal draw. */
  normal(): number;
  /** +1 or -1 with equal probability. */
  sign(): number;
  /** Uniform integer in [0, count). */
  index(count: number): number;
}

/** An independent stream for `parts` (e.g. seed, asset index, block index): the same parts always give
 *  the same stream, so any stretch of time can be regenerated without replaying what came before. */
export function randomFor(...parts: number[]): Random {
  const rng = xoroshiro128plus(mixSeed(parts));
  let spare: number | undefined;
  const uniform = () => uniformFloat64(rng);
  return {
    uniform,
    between: (min, max) => min + (max - min) * uniform(),
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      // Box-Muller: two uniforms give two independent normals; keep the second for the next call.
      const u = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    sign: () => (uniform() < 0.5 ? -1 : 1),
    index: (count) => Math.min(count - 1, Math.floor(uniform() * count)),
  };
}

/** Folds integers into one 32-bit seed (murmur3's finaliser per part), so nearby inputs such as
 *  consecutive block indexes give unrelated seeds. */
export function mixSeed(parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Parts may exceed 32 bits (block indexes since the epoch): fold the high word in too.
    const low = part | 0;
    const high = Math.floor(part / 0x1_0000_0000) | 0;
    h = fmix(h ^ low);
    h = fmix(h ^ high ^ 0x85ebca6b);
  }
  return h | 0;
}

function fmix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
