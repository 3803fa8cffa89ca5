import { pixmuxError, type NormalizedGenerateRequest, type ProviderContext } from 'pixmux';
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
  const checked = bflProviderOptionsSchema.safeParse(request.providerOptions);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw pixmuxError('invalid_request', `${context.provider}: providerOptions.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`, { provider: context.provider });
  }
  for (const [key, value] of Object.entries(request.providerOptions)) {
    if ((RESERVED_FIELDS as readonly string[]).includes(key)) context.warn(`${context.provider}: providerOptions.${key} is set by pixmux from the request; ignored`);
    else if (value !== undefined) body[key] = value;
  }
  return body;
}
