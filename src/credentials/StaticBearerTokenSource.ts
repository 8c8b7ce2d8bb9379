import type { CallOptions } from '../contracts/CallOptions.js';
import { throwIfAborted } from '../runtime/errors.js';
import type { BearerTokenSource } from './BearerTokenSource.js';

/** A fixed token (development, mock APIs). Nothing to refresh: after a 401 the same token is offered again. */
export class StaticBearerTokenSource implements BearerTokenSource {
  constructor(private readonly value: string) {}
  // eslint-disable-next-line @typescript-eslint/require-await -- async turns throwIfAborted into the rejection the contract promises
  async token(options?: CallOptions): Promise<string> {
    throwIfAborted(options?.signal);
    return this.value;
  }
  invalidate(): void {}
}
