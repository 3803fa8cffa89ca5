import type { ProviderContext } from 'pixmux';

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

/** The caller's fields minus the reserved ones (each refused with a warning); `undefined` values dropped. */
export function readProviderOptions(raw: Record<string, unknown>, reserved: readonly string[], context: ProviderContext, id: string): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (reserved.includes(key)) context.warn(`${id}: providerOptions.${key} is set by pixmux from the request; ignored`);
    else if (value !== undefined) extras[key] = value;
  }
  return extras;
}
