import type { TimeRange } from '../../src/domain/index.js';
import type { DataApiClientLike, DataQueryItem, DataQueryResult } from './DataApiClient.js';
import { formatDatapointTime } from './datapointTime.js';

/**
 * The pages of one multi-id read of [range.fromMs, range.toMs). The API pages in two ways: a top-level
 * continuationToken (repeat the same body with it in the query string) or tokens on items (ask again for
 * those items only).
 */
export async function* readPages(
  client: DataApiClientLike,
  ids: readonly string[],
  range: TimeRange,
  read: { readonly pointsPerRequest: number; readonly statusFilter: readonly number[] },
  signal: AbortSignal | undefined,
): AsyncGenerator<DataQueryResult> {
  const item = (id: string, continuationToken?: string): DataQueryItem => ({
    id,
    startTime: formatDatapointTime(range.fromMs),
    endTime: formatDatapointTime(range.toMs),
    limit: read.pointsPerRequest,
    includeOutsidePoints: false,
    statusFilter: read.statusFilter,
    ...(continuationToken ? { continuationToken } : {}),
  });
  let body = ids.map((id) => item(id));
  let topToken: string | undefined;
  for (;;) {
    const page = await client.queryData(body, topToken, signal ? { signal } : {});
    yield page;
    if (page.continuationToken) {
      topToken = page.continuationToken;
      continue;
    }
    const more = page.items.filter((i) => i.continuationToken);
    if (more.length === 0) return;
    topToken = undefined;
    body = more.map((i) => item(i.id, i.continuationToken!));
  }
}
