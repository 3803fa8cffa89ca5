import type { Operation } from 'pixmux';

/**
 * Default models on `hf-inference`. Model ids are configuration, because what HF serves changes: override them
 * with the factory's `models` option or a call's `model` (any Hub id the backend serves for the task).
 * @see ../shared/reference/providers.md §10
 */
export const DEFAULT_MODELS: Record<'generate' | 'removeBackground', string> = {
  generate: 'black-forest-labs/FLUX.1-schnell',
  removeBackground: 'briaai/RMBG-1.4',
};

export type HuggingFaceOperation = Extract<Operation, 'generate' | 'removeBackground'>;

/** `owner/name` (or a bare name), as the Hub spells ids. */
const MODEL_ID = /^[\w.-]+(\/[\w.-]+)?$/;

export function isModelId(model: string): boolean {
  return MODEL_ID.test(model) && !model.includes('..');
}

/** The route of a model on the hf-inference backend, relative to the router. */
export function modelPath(model: string): string {
  return `hf-inference/models/${model.split('/').map(encodeURIComponent).join('/')}`;
}
