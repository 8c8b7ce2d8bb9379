import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ModelSummary } from '../domain/ModelDescription.js';
import type { PredictionTask } from '../domain/Task.js';
import { modelKindOf } from '../domain/modelKinds/index.js';
import { isNotFoundError } from '../runtime/errors.js';

const MAX_REMEMBERED = 100_000;

/**
 * The lane of each task: its model's kind, so executor pools lease only the kinds they serve. Kinds come from
 * the catalogue's listing (see remember), else, for a model not listed here (an on-demand run's), from one
 * description per model revision, remembered (a revision's kind never changes).
 */
export class ModelLanes {
  private readonly kinds = new Map<string, string>();

  constructor(private readonly models: ModelInformationProvider) {}

  /**
   * Takes the kinds a listing carries; a model listed without one is of the default kind. A catalogue that
   * serves more than one kind says so in its listing (the embedded registry does), so the scheduler never
   * describes listed models one by one: at 9,000 models that would be 9,000 calls per pass, and an outage
   * of the catalogue's describe endpoint would fail the pass.
   */
  remember(summaries: readonly ModelSummary[]): void {
    for (const s of summaries) this.set(key(s.project, s.name, s.revision), modelKindOf(s));
  }

  async laneOf(task: PredictionTask, signal?: AbortSignal): Promise<string> {
    const k = key(task.project, task.model, task.revision);
    const known = this.kinds.get(k);
    if (known !== undefined) return known;
    let kind: string;
    try {
      kind = modelKindOf(
        await this.models.describeModel(task.project, task.model, { revision: task.revision, ...(signal ? { signal } : {}) }),
      );
    } catch (err) {
      // A model gone since it was listed: its task fails in whichever executor takes it; any lane will do.
      if (!isNotFoundError(err)) throw err;
      kind = modelKindOf({});
    }
    this.set(k, kind);
    return kind;
  }

  private set(k: string, kind: string): void {
    if (this.kinds.size >= MAX_REMEMBERED) this.kinds.clear();
    this.kinds.set(k, kind);
  }
}

function key(project: string, model: string, revision: string): string {
  return JSON.stringify([project, model, revision]);
}
