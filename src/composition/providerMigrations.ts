import type { ProviderSections } from '../config/AppConfig.js';
import type { ProviderMigration } from '../provider/ProviderMigration.js';

/**
 * The migrations of every provider the configuration names, each definition once however many sections it
 * serves. Every process role applies the same list (not only its own sections'), so which process migrates
 * first does not change the schema.
 */
export function providerMigrations(providers: ProviderSections): ProviderMigration[] {
  const definitions = new Set(Object.values(providers).map((section) => section.definition));
  return [...definitions].flatMap((definition) => definition.migrations ?? []);
}
