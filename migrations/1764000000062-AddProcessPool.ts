import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Executor pools (issue 20): each process row names the pool it serves, for the executors list and the waiting check. */
export class AddProcessPool1764000000062 implements MigrationInterface {
  name = 'AddProcessPool1764000000062';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('process', new TableColumn({ name: 'pool', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('process', 'pool');
  }
}
