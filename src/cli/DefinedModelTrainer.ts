import type { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ModelSummary } from '../domain/ModelDescription.js';
import { trainModels } from './modelCatalog.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ModelTrainingStore } from '../ledger/ModelTrainingStore.js';

/**
 * Trains the revisions defined through the API, in the API process, one at a time in the order they were
 * saved, recording each in the training journal; the scheduler plans a revision's windows once it is `ready`.
 * The fit itself runs off the event loop (the embedded predictor fits in a worker), so requests keep flowing.
 * `resume` picks up what a previous process left pending or half-trained.
 */
export class DefinedModelTrainer {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly models: ModelInformationProvider,
    private readonly predictor: ModelExecutionProvider,
    readonly journal: ModelTrainingStore,
    private readonly log: Logger,
  ) {}

  /** Marks the revision pending and trains it after those saved before it; resolves when it is queued. */
  async train(model: ModelSummary): Promise<void> {
    await this.journal.pending(model);
    this.enqueue(model);
  }

  /** Queues every revision the journal holds as pending or training that is still its model's current revision. */
  async resume(): Promise<number> {
    let resumed = 0;
    for (const record of await this.journal.untrained()) {
      if (record.state === 'failed') continue;
      const current = (await this.models.listModels(record.project)).find((m) => m.name === record.model);
      if (current?.revision !== record.revision) continue;
      this.enqueue(current);
      resumed++;
    }
    return resumed;
  }

  /** Resolves once everything queued so far has been trained (or failed). */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(model: ModelSummary): void {
    this.queue = this.queue.then(async () => {
      try {
        const result = await trainModels(this.models, this.predictor, [model], { journal: this.journal });
        const failure = result.failed[0];
        if (failure === undefined) this.log.info('model trained', { project: model.project, model: model.name, revision: model.revision });
        else
          this.log.warn('model not trained', {
            project: model.project,
            model: model.name,
            revision: model.revision,
            reason: failure.reason,
          });
      } catch (err) {
        this.log.error('training failed', { project: model.project, model: model.name, error: describeError(err) });
      }
    });
  }
}
