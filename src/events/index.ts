export { EventOutbox, EVENTS_CHANNEL, type AppendGuard, type EventPage, type ReadOptions } from './EventOutbox.js';
export * from './eventTypes.js';
export { windowEvent, predictionEvents } from './windowEvents.js';
