import type { Container, ServiceIdentifier } from 'inversify';

/** Tokens by name: the factory receives the resolved values under the same names, typed from the tokens. */
export type TokenMap<V> = { readonly [K in keyof V]: ServiceIdentifier<V[K]> };

/**
 * Binds `token` to a singleton made by `factory` from named dependencies, in place of inversify's
 * positional `toResolvedValue(fn, [tokens])`, which compiles with the tokens in the wrong order: here
 * each dependency is matched by name and its type comes from its token.
 */
export function bindNamed<T, V extends Record<string, unknown>>(
  container: Container,
  token: ServiceIdentifier<T>,
  deps: TokenMap<V>,
  factory: (resolved: V) => T | Promise<T>,
): void {
  const names = Object.keys(deps) as (keyof V & string)[];
  container
    .bind(token)
    .toResolvedValue(
      (...values: unknown[]) => factory(Object.fromEntries(names.map((name, i) => [name, values[i]])) as V),
      names.map((name) => deps[name]),
    )
    .inSingletonScope();
}
