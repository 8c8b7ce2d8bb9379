/**
 * A 5 × 3 training matrix whose PCA can be done by hand.
 *
 *   row   x1  x2  x3       deviations from the means (3, 3, 10)
 *    1     1   1  10        d1 = (-2, -1, 0, 1, 2)
 *    2     2   3   9        d2 = (-2,  0,-1, 2, 1)
 *    3     3   2  11        d3 = ( 0, -1, 1, 1,-1)
 *    4     4   5  11
 *    5     5   4   9
 *
 * Sample variances (n - 1 = 4): Σd1² = 10 -> 2.5, Σd2² = 10 -> 2.5, Σd3² = 4 -> 1, so the stds are
 * (√2.5, √2.5, 1) = (1.5811388, 1.5811388, 1).
 * Covariances: Σd1d2 = 4+0+0+2+2 = 8 -> 2, Σd1d3 = 0+1+0+1-2 = 0, Σd2d3 = 0+0-1+2-1 = 0.
 * Correlation matrix R = [[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]] (0.8 = 2 / 2.5).
 * Eigenpairs of R: the 2×2 block [[1, r], [r, 1]] has 1 ± r with vectors (1, ±1)/√2, and x3 is alone:
 *   λ1 = 1.8, v1 = (1, 1, 0)/√2;  λ2 = 1.0, v2 = (0, 0, 1);  λ3 = 0.2, v3 = (1, -1, 0)/√2.
 * Shares of the total 3: 0.6, 0.3333, 0.0667; cumulative 0.6, 0.9333, 1.
 */
export const handRows: number[][] = [
  [1, 1, 10],
  [2, 3, 9],
  [3, 2, 11],
  [4, 5, 11],
  [5, 4, 9],
];

/** Row-wise samples as one array per tag, the layout fitPca and scorePca take. */
export function columnsOf(rows: readonly (readonly number[])[]): Float64Array[] {
  const p = rows[0]?.length ?? 0;
  return Array.from({ length: p }, (_, j) => Float64Array.from(rows, (row) => row[j]!));
}

export const SQRT_2_5 = Math.sqrt(2.5);
