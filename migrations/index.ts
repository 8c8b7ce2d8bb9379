import { CreateCoreTables1764000000000 } from './1764000000000-CreateCoreTables.js';
import { CreateDemoTables1764000000004 } from './1764000000004-CreateDemoTables.js';
import { CreateApiTables1764000000013 } from './1764000000013-CreateApiTables.js';
import { AddWindowLease1764000000014 } from './1764000000014-AddWindowLease.js';
import { CreateEventTable1764000000020 } from './1764000000020-CreateEventTable.js';
import { CreateIngestTables1764000000030 } from './1764000000030-CreateIngestTables.js';
import { CreateModelTriggerTables1764000000040 } from './1764000000040-CreateModelTriggerTables.js';
import { CreateEpisodeTables1764000000050 } from './1764000000050-CreateEpisodeTables.js';
import { CreateOutputTables1764000000051 } from './1764000000051-CreateOutputTables.js';
import { AddProcessPool1764000000062 } from './1764000000062-AddProcessPool.js';
import { AddBackfillJobRunState1764000000070 } from './1764000000070-AddBackfillJobRunState.js';
import { IndexSensorWriteBySensor1764000000140 } from './1764000000140-IndexSensorWriteBySensor.js';
import { CreateModelTrainingTable1764000000141 } from './1764000000141-CreateModelTrainingTable.js';
import { AddRunOutputAndWatchState1764000000150 } from './1764000000150-AddRunOutputAndWatchState.js';

/**
 * The core's migrations (its own tables), oldest first; each provider contributes the migrations of its tables
 * (ProviderDefinition.migrations), and runMigrations applies both in one list ordered by timestamp. Listed explicitly so the same list works from src (tsx) and dist. */
export const migrations = [
  CreateCoreTables1764000000000,
  CreateDemoTables1764000000004,
  CreateApiTables1764000000013,
  AddWindowLease1764000000014,
  CreateEventTable1764000000020,
  CreateIngestTables1764000000030,
  CreateModelTriggerTables1764000000040,
  CreateEpisodeTables1764000000050,
  CreateOutputTables1764000000051,
  AddProcessPool1764000000062,
  AddBackfillJobRunState1764000000070,
  IndexSensorWriteBySensor1764000000140,
  CreateModelTrainingTable1764000000141,
  AddRunOutputAndWatchState1764000000150,
];
