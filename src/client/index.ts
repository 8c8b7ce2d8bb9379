/** `latigo/client`: a client of the live feed (`/ws`). */
export { LiveFeedClient, LiveFeedUnauthorized, type LiveEvent, type LiveFeedClientOptions } from './LiveFeedClient.js';
export { EVENT_TYPES, type EventData, type EventType } from '../events/eventTypes.js';
