import type { Operation } from 'pixmux';

/**
 * Current default models. Model ids are configuration, because vendors retire models within months:
 * override them with the factory's `models` option or a call's `model`.
 * @see ../shared/reference/providers.md §6
 */
export const DEFAULT_MODELS: Record<Operation, string> = {
  generate: 'fal-ai/flux/schnell',
  removeBackground: 'fal-ai/birefnet',
  restoreFace: 'fal-ai/codeformer',
};

/** The field for pixmux's `fidelity`, per model (CodeFormer calls it `fidelity`). */
const FIDELITY_FIELDS: Record<string, string> = {
  'fal-ai/codeformer': 'fidelity',
};

export function fidelityFieldFor(model: string): string | undefined {
  return FIDELITY_FIELDS[model];
}

/**
 * Status, result and cancel URLs for a request, when the submit reply lacks them: the model id without its
 * subpath (`fal-ai/flux/schnell` → `fal-ai/flux`), because the subpath is used only on submit.
 */
export function queueUrls(baseURL: string, model: string, requestId: string) {
  const [owner, name] = model.split('/');
  const root = `${baseURL}/${owner}/${name}/requests/${encodeURIComponent(requestId)}`;
  return { status: `${root}/status`, response: root, cancel: `${root}/cancel` };
}
