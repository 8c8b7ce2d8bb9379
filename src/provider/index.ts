export * from './defineProvider.js';
export type * from './ProviderDeps.js';
export type * from './ProviderMigration.js';
export * from './createTablesMigration.js';
