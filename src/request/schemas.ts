import { z } from 'zod';
import { policySchema } from '../policy/policy-options.js';

/** The caller's requests, validated before any provider is called. */
const format = z.enum(['png', 'jpeg', 'webp'], { error: 'must be one of png, jpeg, webp' });

const callOptions = {
  signal: z.custom<AbortSignal>((value) => typeof AbortSignal !== 'undefined' && value instanceof AbortSignal, { error: 'must be an AbortSignal' }).optional(),
  timeoutMs: z.number({ error: 'must be a number of milliseconds' }).positive({ error: 'must be above 0' }).max(86_400_000, { error: 'must be at most one day' }).optional(),
  providers: z.array(z.string().min(1), { error: 'must be an array of provider ids' }).min(1, { error: 'must name at least one provider' }).optional(),
  providerOptions: z.record(z.string(), z.record(z.string(), z.unknown()), { error: 'must map provider ids to option objects' }).optional(),
  model: z.string().min(1, { error: 'must not be empty' }).optional(),
  format: format.optional(),
  maxCostUsd: z.number().nonnegative({ error: 'must be 0 or more' }).optional(),
  policy: policySchema.optional(),
  cache: z.boolean({ error: 'must be true or false' }).optional(),
};

const dimension = z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(64, { error: 'must be at least 64' }).max(16_384, { error: 'must be at most 16384' });

export const sizeSchema = z.union(
  [
    z
      .string()
      .regex(/^\d{2,5}x\d{2,5}$/, { error: 'must look like "1024x1024"' })
      .transform((text, ctx) => {
        const [width, height] = text.split('x').map(Number) as [number, number];
        const parsed = z.object({ width: dimension, height: dimension }).safeParse({ width, height });
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', message: `sides must be between 64 and 16384 pixels` });
          return z.NEVER;
        }
        return parsed.data;
      }),
    z.object({ width: dimension, height: dimension }, { error: 'must be "WIDTHxHEIGHT" or { width, height }' }),
  ],
  { error: 'must be "WIDTHxHEIGHT" or { width, height }' },
);

export const generateRequestSchema = z.object({
  ...callOptions,
  prompt: z.string({ error: 'is required and must be a string' }).trim().min(1, { error: 'must not be empty' }).max(32_000, { error: 'must be at most 32000 characters' }),
  negativePrompt: z.string().optional(),
  size: sizeSchema.optional(),
  aspectRatio: z.string().regex(/^\d{1,2}:\d{1,2}$/, { error: 'must look like "16:9"' }).optional(),
  n: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be between 1 and 10' }).max(10, { error: 'must be between 1 and 10' }).optional(),
  seed: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must be 0 or more' }).max(4_294_967_295, { error: 'must fit in 32 bits' }).optional(),
});

const imageField = z.custom<unknown>((value) => value !== undefined && value !== null, { error: 'is required' });

export const removeBackgroundRequestSchema = z.object({ ...callOptions, image: imageField });

export const restoreFaceRequestSchema = z.object({
  ...callOptions,
  image: imageField,
  fidelity: z.number({ error: 'must be a number' }).min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' }).optional(),
});
