import type { PredictionSummary } from '../domain/predictionSummary.js';
import type { PredictionTask } from '../domain/Task.js';
import type { NewEvent, WindowEventData } from './eventTypes.js';

type WindowDetails = Omit<WindowEventData, 'taskId' | 'from' | 'to' | 'state'>;

/** The `window` event of `task` entering `state`. */
export function windowEvent(task: PredictionTask, state: WindowEventData['state'], details: WindowDetails = {}): NewEvent {
  return {
    type: 'window',
    project: task.project,
    model: task.model,
    revision: task.revision,
    data: { taskId: task.id, from: iso(task.window.fromMs), to: iso(task.window.toMs), state, ...details },
  };
}

/** The `prediction` event of a stored window and one `anomaly` event per reported anomalous row. */
export function predictionEvents(task: PredictionTask, summary: PredictionSummary): NewEvent[] {
  const model = { project: task.project, model: task.model, revision: task.revision };
  const events: NewEvent[] = [
    {
      type: 'prediction',
      ...model,
      data: {
        taskId: task.id,
        from: iso(task.window.fromMs),
        to: iso(task.window.toMs),
        rows: summary.rows,
        anomalies: summary.anomalies,
        maxTotalAnomaly: summary.maxTotalAnomaly,
        threshold: summary.threshold,
      },
    },
  ];
  for (const point of summary.points) {
    events.push({
      type: 'anomaly',
      ...model,
      data: {
        taskId: task.id,
        time: iso(point.timeMs),
        totalAnomaly: point.totalAnomaly,
        threshold: point.threshold,
        topTags: point.topTags,
      },
    });
  }
  return events;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
