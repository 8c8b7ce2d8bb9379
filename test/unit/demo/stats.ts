/** Small statistics helpers for the demo tests. */

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, count = a.length): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < count; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= count;
  mb /= count;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < count; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function minMax(values: ArrayLike<number>, count = values.length): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  return { min, max };
}
