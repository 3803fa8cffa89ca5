import { z } from 'zod';

/**
 * The wire format of OpenAI's `POST /v1/images/generations` for the GPT-image models.
 * Minimal on purpose: only the fields pixmux sends and reads.
 * @see https://platform.openai.com/docs/api-reference/images/create
 * @see ../shared/reference/specs/openai.yaml (`CreateImageRequest`, `ImagesResponse`)
 */
export interface ImagesGenerationBody {
  /** Always sent: without it OpenAI falls back to the retired `dall-e-2`. */
  model: string;
  prompt: string;
  n: number;
  size?: string;
  quality?: 'low' | 'medium' | 'high' | 'auto';
  background?: 'transparent' | 'opaque' | 'auto';
  output_format: 'png' | 'jpeg' | 'webp';
  output_compression?: number;
  moderation?: 'low' | 'auto';
  user?: string;
  [extra: string]: unknown;
}

const imageDataSchema = z
  .object({
    b64_json: z.string().min(1).nullish(),
    /** Only DALL·E-style models (or compatible gateways) answer with URLs. */
    url: z.string().min(1).nullish(),
    revised_prompt: z.string().nullish(),
  })
  .refine((item) => Boolean(item.b64_json || item.url), { message: 'has neither b64_json nor url' });

const usageSchema = z.object({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
});

export const imagesResponseSchema = z.object({
  created: z.number().optional(),
  data: z.array(imageDataSchema).min(1, { message: 'holds no images' }),
  /** What actually ran when the request said `auto` (or nothing). */
  quality: z.string().nullish(),
  size: z.string().nullish(),
  output_format: z.string().nullish(),
  background: z.string().nullish(),
  usage: usageSchema.nullish(),
});

export type ImagesResponse = z.infer<typeof imagesResponseSchema>;
export type ImageData = ImagesResponse['data'][number];
