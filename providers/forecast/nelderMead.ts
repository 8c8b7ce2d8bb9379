/**
 * Minimises `f` over R^n from `start` with the Nelder–Mead simplex (standard coefficients). Enough for
 * the 1–4 smoothing parameters of Holt-Winters, which are mapped into (0, 1) by the caller.
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: { maxEvaluations?: number; step?: number } = {},
): number[] {
  const n = start.length;
  const maxEvaluations = options.maxEvaluations ?? 200 * n;
  const step = options.step ?? 0.5;
  let simplex: { x: number[]; v: number }[] = [{ x: [...start], v: f(start) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i] = x[i]! + step;
    simplex.push({ x, v: f(x) });
  }
  let evaluations = n + 1;
  const at = (centroid: number[], worst: number[], t: number) => centroid.map((c, i) => c + t * (worst[i]! - c));
  while (evaluations < maxEvaluations) {
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.v - best.v) <= 1e-10 * (Math.abs(best.v) + 1e-12)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
    const reflected = at(centroid, worst.x, -1);
    const vr = f(reflected);
    evaluations++;
    if (vr < best.v) {
      const expanded = at(centroid, worst.x, -2);
      const ve = f(expanded);
      evaluations++;
      simplex[n] = ve < vr ? { x: expanded, v: ve } : { x: reflected, v: vr };
    } else if (vr < simplex[n - 1]!.v) {
      simplex[n] = { x: reflected, v: vr };
    } else {
      const contracted = vr < worst.v ? at(centroid, worst.x, -0.5) : at(centroid, worst.x, 0.5);
      const vc = f(contracted);
      evaluations++;
      if (vc < Math.min(vr, worst.v)) simplex[n] = { x: contracted, v: vc };
      else {
        simplex = simplex.map((p, i) => (i === 0 ? p : { x: p.x.map((xi, j) => best.x[j]! + 0.5 * (xi - best.x[j]!)), v: NaN }));
        for (let i = 1; i <= n; i++) simplex[i]!.v = f(simplex[i]!.x);
        evaluations += n;
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return simplex[0]!.x;
}
