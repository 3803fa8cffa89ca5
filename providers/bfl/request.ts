import { readProviderOptions, type NormalizedGenerateRequest, type ProviderContext } from 'pixmux';
import { bflProviderOptionsSchema, type TaskBody } from './api.js';
import { sizeFor, sizeRuleFor } from './models.js';

/** Fields pixmux sets from the request; the same names in `providerOptions` are ignored with a warning. */
export const RESERVED_FIELDS = ['prompt', 'width', 'height', 'aspect_ratio', 'seed'] as const;

/** The body of `POST /v1/{model}` for one image; what BFL cannot do becomes a warning. */
export function taskBody(request: NormalizedGenerateRequest, model: string, context: ProviderContext): TaskBody {
  const { warning, ...size } = sizeFor(request, sizeRuleFor(model));
  if (warning) context.warn(`${context.provider}: ${warning}`);
  const body: TaskBody = { prompt: request.prompt, ...size, output_format: request.format };
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.negativePrompt) context.warn(`${context.provider}: FLUX takes no negative prompt; negativePrompt was not sent (describe what you want instead)`);
  const extras = readProviderOptions(request.providerOptions, { provider: context.provider, schema: bflProviderOptionsSchema, reserved: RESERVED_FIELDS, warn: context.warn });
  return { ...body, ...extras };
}
