import { z } from 'zod';
import { parseWith } from '../../src/config/schema.js';
import type { ModelDefinition } from '../../src/contracts/ModelWriter.js';
import { modelDefinitionSchema } from '../../src/models/parseModelDefinition.js';

/**
 * A model declared in configuration, in the one definition schema of the API and `latigo models define`
 * (src/models/parseModelDefinition.ts). Everything the registry would refuse is refused here, so a bad entry
 * stops startup before any database is opened. A relative training range (`first_rows`) needs the data, which
 * configuration cannot read: it is for the API and `latigo models define`.
 */
const declaredModelSchema = modelDefinitionSchema.transform((m, ctx): ModelDefinition => {
  if (!('fromMs' in m.training)) {
    ctx.addIssue({
      code: 'custom',
      path: ['training'],
      message: 'first_rows and first_hours need the data: define such a model with `latigo models define` or the API',
    });
    return z.NEVER;
  }
  const { training, ...rest } = m;
  return { ...rest, targetTags: m.targetTags ?? m.inputTags, trainingRange: { fromMs: training.fromMs, toMs: training.toMs } };
});
export type DeclaredModel = z.output<typeof declaredModelSchema>;

const modelInfoSchema = z
  .strictObject({
    models: z
      .array(declaredModelSchema)
      .default([])
      .superRefine((models, ctx) => {
        const seen = new Map<string, number>();
        models.forEach((m, i) => {
          const id = JSON.stringify([m.project, m.name]);
          const first = seen.get(id);
          if (first === undefined) seen.set(id, i);
          else
            ctx.addIssue({
              code: 'custom',
              path: [i, 'name'],
              message: `model ${m.project}/${m.name} is already declared at models.${first}`,
            });
        });
      }),
  })
  .transform((c) => ({ models: c.models }));
export type EmbeddedModelInfoConfig = z.output<typeof modelInfoSchema>;
export const parseEmbeddedModelInfoConfig = (raw: unknown, path: string) => parseWith(modelInfoSchema, raw, path);

/** Sections with no options of their own yet: any key is refused so a typo is not silently ignored. */
const noOptionsSchema: z.ZodType<Record<string, never>> = z.strictObject({});
export const parseNoOptions = (raw: unknown, path: string): Record<string, never> => parseWith(noOptionsSchema, raw, path);
