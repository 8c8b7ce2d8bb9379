import type { EventOutbox } from '../events/EventOutbox.js';
import type { NewEvent } from '../events/eventTypes.js';
import type { EpisodeChange } from './computeEpisodes.js';
import { episodeView } from './episodeRows.js';
import type { EpisodeEventStatements } from './EpisodeStore.js';

/** Episode changes as `episode` events of the outbox: `data` is the episode as the API shows it, with its state. */
export function episodeEvents(changes: readonly EpisodeChange[]): NewEvent[] {
  return changes.map((change) => ({
    type: 'episode',
    project: change.episode.project,
    model: change.episode.model,
    revision: change.episode.revision,
    data: { ...episodeView(change.episode), state: change.type.slice('episode.'.length) as 'opened' | 'updated' | 'closed' | 'withdrawn' },
  }));
}

/** Appends episode changes to `outbox` in the transaction that writes them (invariant 9). */
export function episodeEventStatements(outbox: EventOutbox): EpisodeEventStatements {
  return (changes) => outbox.appendStatements(episodeEvents(changes));
}
