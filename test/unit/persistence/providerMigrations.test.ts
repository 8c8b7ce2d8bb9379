import { expect } from 'chai';
import type { MigrationInterface } from 'typeorm';
import { migrationTimestamp, orderMigrations, type MigrationClass } from '../../../src/persistence/providerMigrations.js';
import type { ProviderMigration } from '../../../src/provider/ProviderMigration.js';

const core = (name: string): MigrationClass =>
  class implements MigrationInterface {
    readonly name = name;
    async up(): Promise<void> {}
    async down(): Promise<void> {}
  };
const provider = (name: string): ProviderMigration => ({ name, up: async () => {} });
const names = (list: MigrationClass[]) => list.map((Migration) => new Migration().name);

describe('provider migrations among the core migrations', () => {
  it('orders core and provider migrations together by the timestamp their names end in', () => {
    const ordered = orderMigrations(
      [core('CreateCoreTables1764000000000'), core('CreateApiTables1764000000013')],
      [provider('CreateEventHubTables1764000000005'), provider('CreateQueueTables1764000000002')],
      'sqlite',
    );
    expect(names(ordered)).to.deep.equal([
      'CreateCoreTables1764000000000',
      'CreateQueueTables1764000000002',
      'CreateEventHubTables1764000000005',
      'CreateApiTables1764000000013',
    ]);
  });

  it('refuses two migrations with one name, naming it', () => {
    expect(() => orderMigrations([core('CreateCoreTables1764000000000')], [provider('CreateCoreTables1764000000000')], 'sqlite')).to.throw(
      /two migrations are named CreateCoreTables1764000000000/,
    );
  });

  it('refuses a name without a 13-digit timestamp, naming it', () => {
    expect(() => migrationTimestamp('CreateQueueTables')).to.throw(/"CreateQueueTables" must end in a 13-digit timestamp/);
  });
});
