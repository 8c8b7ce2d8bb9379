import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiRole, ApiToken } from '../config/sections.js';
import { ApiProblem } from './problem.js';

/** Who made a request: a configured token's name and role, or `local` (admin) when no tokens are configured. */
export interface Caller {
  readonly name: string;
  readonly role: ApiRole;
}

/** The caller of every request when no tokens are configured: one object, not one per request. */
const LOCAL: Caller = Object.freeze({ name: 'local', role: 'admin' });

const rank: Record<ApiRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` may do what `needed` allows (admin ⊇ operator ⊇ viewer). */
export function roleAllows(role: ApiRole, needed: ApiRole): boolean {
  return rank[role] >= rank[needed];
}

/**
 * Resolves the caller from an `Authorization` header: `Bearer <token>`, or `Basic` with the token as the
 * password (Enodo's clients send Basic; the user name is ignored). The presented token is hashed and
 * compared with every configured hash in constant time, so neither timing nor the error tells which
 * part was wrong. Throws a 401 problem; the token itself never reaches an error or a log.
 */
export function authenticate(header: string | undefined, tokens: readonly ApiToken[]): Caller {
  if (tokens.length === 0) return LOCAL;
  const presented = tokenOf(header);
  if (presented === undefined)
    throw new ApiProblem(
      401,
      'Unauthorized',
      'send Authorization: Bearer <token> (or Basic with the token as password)',
      'header.authorization',
    );
  const hash = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(hash, token.sha256) && found === undefined) found = token;
  }
  if (found === undefined) throw new ApiProblem(401, 'Unauthorized', 'the token is not valid', 'header.authorization');
  return { name: found.name, role: found.role };
}

function tokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value === '' ? undefined : value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    return password === '' ? undefined : password;
  }
  return undefined;
}

export function forbidden(caller: Caller, needed: ApiRole): ApiProblem {
  return new ApiProblem(403, 'Forbidden', `token "${caller.name}" has role ${caller.role}; this needs ${needed}`, 'header.authorization');
}
