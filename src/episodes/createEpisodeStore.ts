import type { EpisodesConfig } from '../config/outputsSections.js';
import { EventOutbox } from '../events/EventOutbox.js';
import type { Database } from '../persistence/Database.js';
import type { Clock } from '../runtime/clock.js';
import { episodeEventStatements } from './episodeEvents.js';
import { EpisodeStore, episodeSettings } from './EpisodeStore.js';

/** The episode store of a process, its changes appended to the event outbox in their own transaction. */
export function createEpisodeStore(db: Database, config: EpisodesConfig, clock: Clock): EpisodeStore {
  return new EpisodeStore(db, episodeSettings(config), clock, episodeEventStatements(new EventOutbox(db, clock)));
}
