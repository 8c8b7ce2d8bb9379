import { CreateCoreTables1764000000000 } from './1764000000000-CreateCoreTables.js';
import { CreateEmbeddedProviderTables1764000000001 } from './1764000000001-CreateEmbeddedProviderTables.js';
import { CreateEventHubTables1764000000005 } from './1764000000005-CreateEventHubTables.js';

/** Every migration, oldest first. Listed explicitly so the same list works from src (tsx) and dist. */
export const migrations = [CreateCoreTables1764000000000, CreateEmbeddedProviderTables1764000000001, CreateEventHubTables1764000000005];
