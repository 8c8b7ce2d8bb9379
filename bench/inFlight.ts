/**
 * Runs `work` over `items` with at most `limit` calls in flight, as an executor keeps several tasks going;
 * resolves with the sum of the numbers the calls return (points read or written), ignoring other results.
 */
export async function inFlight<T>(items: readonly T[], work: (item: T) => Promise<unknown>, limit: number): Promise<number> {
  let next = 0;
  let total = 0;
  const worker = async () => {
    while (next < items.length) {
      const result = await work(items[next++]!);
      if (typeof result === 'number') total += result;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return total;
}
