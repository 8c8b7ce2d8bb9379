import type { ApiConfig } from '../../config/sections.js';
import { badRequest } from '../problem.js';

/** The page size a list request asked for, defaulted and capped by the configuration. */
export function pageLimit(limit: number | undefined, config: Pick<ApiConfig, 'defaultPageSize' | 'maxPageSize'>): number {
  if (limit === undefined) return config.defaultPageSize;
  if (limit > config.maxPageSize) throw badRequest('query.limit', `query.limit must be at most ${config.maxPageSize} (api.max_page_size)`);
  return limit;
}
