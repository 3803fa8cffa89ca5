import type { Operation } from 'pixmux';

/**
 * Defaults. For `generate` this is the `model` body field (`flux-schnell` or `sdxl`); for the image operations
 * it is the endpoint under `/v1/image/` (the Python SDK uses `remove-bg` where the docs say `remove-background`,
 * so it is configuration too).
 */
export const DEFAULT_MODELS: Record<Operation, string> = {
  generate: 'flux-schnell',
  removeBackground: 'remove-background',
  restoreFace: 'restore-face',
};

export const ENDPOINT_NAME = /^[a-z0-9][a-z0-9-]*$/;
