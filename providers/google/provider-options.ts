/**
 * Google-only options, passed per call as `providerOptions.google` (or under your provider's `id`), with Google's own
 * field names. Gemini models: merged into `generationConfig` (`temperature`, …); Imagen: into `parameters`
 * (`personGeneration`, `enhancePrompt`, `safetySetting`, `addWatermark`, …). Fields pixmux fills from the request
 * are refused with a warning.
 *
 * @example
 * await px.generate({ prompt: 'a portrait', model: 'imagen-4.0-generate-001', providerOptions: { 'google-vertex': { personGeneration: 'allow_adult' } } });
 */
export type GoogleProviderOptions = Record<string, unknown>;
