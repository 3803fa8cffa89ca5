import { pixmuxError, readProviderOptions, type NormalizedGenerateRequest, type ProviderContext } from 'pixmux';
import type { ImagesGenerationBody } from './api.js';

/** Together's own default when no size is sent. */
export const DEFAULT_SIZE = { width: 1024, height: 1024 } as const;

/**
 * Steps sent when the caller sets none: the spec's default (20) is meant for the larger models, while the
 * schnell models are distilled for about 4 (Together's own examples send `steps: 4`).
 */
const DEFAULT_STEPS: Record<string, number> = {
  'black-forest-labs/FLUX.1-schnell': 4,
  'black-forest-labs/FLUX.1-schnell-Free': 4,
};

/** Fields pixmux sets from the request; the same names in `providerOptions` are ignored with a warning. */
export const RESERVED_FIELDS = ['model', 'prompt', 'n', 'width', 'height', 'seed', 'negative_prompt', 'output_format'] as const;

/** FLUX models take no negative prompt; other models on Together (Stable Diffusion-style) do. */
const NO_NEGATIVE_PROMPT = /flux/i;

/**
 * `width`/`height`: the exact size when given; about one megapixel at the aspect ratio (multiples of 16); else
 * Together's 1024×1024.
 */
export function sizeFor(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>): { width: number; height: number } {
  if (request.size) return { width: request.size.width, height: request.size.height };
  if (!request.aspectRatio) return DEFAULT_SIZE;
  const [w, h] = request.aspectRatio.split(':').map(Number) as [number, number];
  const scale = Math.sqrt((1024 * 1024) / (w * h));
  const round = (value: number) => Math.max(64, Math.round((value * scale) / 16) * 16);
  return { width: round(w), height: round(h) };
}

/** The JSON body of `POST /images/generations` for one pixmux request; what Together cannot do becomes a warning. */
export function generationBody(request: NormalizedGenerateRequest, model: string, context: ProviderContext): ImagesGenerationBody {
  const { width, height } = sizeFor(request);
  const body: ImagesGenerationBody = {
    model,
    prompt: request.prompt,
    n: request.n,
    width,
    height,
    response_format: 'base64',
    output_format: request.format === 'jpeg' ? 'jpeg' : 'png',
  };
  if (request.format === 'webp') context.warn(`${context.provider}: Together outputs jpeg or png; asked for png instead of webp`);
  const steps = DEFAULT_STEPS[model];
  if (steps !== undefined) body.steps = steps;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.negativePrompt) {
    if (NO_NEGATIVE_PROMPT.test(model)) context.warn(`${context.provider}: ${model} takes no negative prompt; negativePrompt was not sent`);
    else body.negative_prompt = request.negativePrompt;
  }
  const extras = readProviderOptions(request.providerOptions, { provider: context.provider, reserved: RESERVED_FIELDS, warn: context.warn });
  if ('response_format' in extras && extras.response_format !== 'base64' && extras.response_format !== 'url') {
    throw pixmuxError('invalid_request', `${context.provider}: providerOptions.response_format must be 'base64' or 'url'`, { provider: context.provider });
  }
  return { ...body, ...extras };
}
