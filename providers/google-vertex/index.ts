/**
 * `pixmux/providers/google-vertex`: Google's image models on Vertex AI. One vendor, two entry points: the factory
 * lives in `providers/google/` beside the Gemini wire mapping it shares with `google()`, so that mapping exists once.
 */
export { googleVertex, DEFAULT_VERTEX_LOCATION, type GoogleVertexOptions } from '../google/vertex.js';
export { GOOGLE_PRICES } from '../google/prices.js';
export { DEFAULT_GEMINI_IMAGE_MODEL, type GeminiImageModel, type ImagenModel } from '../google/models.js';
export type { GoogleProviderOptions } from '../google/provider-options.js';
export { googleVertex as default } from '../google/vertex.js';
