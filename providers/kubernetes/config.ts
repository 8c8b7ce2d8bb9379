import { z } from 'zod';
import { parseWith, positiveDuration } from '../../src/config/schema.js';

/** `model_info: { type: kubernetes }`: models from the Gordo custom resources of one namespace. */
const schema = z
  .strictObject({
    /** Namespace of the `gordos.equinor.com` and `models.equinor.com` resources. */
    namespace: z.string().min(1).default('kubeflow'),
    /** A kubeconfig file. Omitted: as kubectl does, in-cluster service account when running in a pod, else $KUBECONFIG or ~/.kube/config. */
    kubeconfig: z.string().min(1).optional(),
    /** Context of the kubeconfig to use; its current context when omitted. */
    context: z.string().min(1).optional(),
    /** Only these Gordo projects (resource names); every project of the namespace when omitted. */
    projects: z.array(z.string().min(1)).min(1).optional(),
    /** One list call to the API server gives up after this long (a retryable failure). */
    timeout: positiveDuration.default(30_000),
  })
  .transform((c) => ({
    namespace: c.namespace,
    timeoutMs: c.timeout,
    ...(c.kubeconfig === undefined ? {} : { kubeconfig: c.kubeconfig }),
    ...(c.context === undefined ? {} : { context: c.context }),
    ...(c.projects === undefined ? {} : { projects: [...new Set(c.projects)] }),
  }));

export type KubernetesModelInfoConfig = z.output<typeof schema>;
export const parseKubernetesModelInfoConfig = (raw: unknown, path: string): KubernetesModelInfoConfig => parseWith(schema, raw, path);
