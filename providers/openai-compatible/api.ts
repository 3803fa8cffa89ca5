import { z } from 'zod';

/**
 * The wire format of `POST /v1/images/generations` as OpenAI defines it and compatible servers
 * (LocalAI, vLLM, gateways) speak it. Minimal on purpose: only the fields pixmux reads.
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
export interface ImagesGenerationBody {
  model: string;
  prompt: string;
  n: number;
  size?: string;
  response_format?: 'b64_json' | 'url';
  [extra: string]: unknown;
}

export const imageDataSchema = z
  .object({
    b64_json: z.string().min(1).nullish(),
    url: z.string().min(1).nullish(),
    revised_prompt: z.string().nullish(),
  })
  .refine((item) => Boolean(item.b64_json || item.url), { message: 'has neither b64_json nor url' });

export const imagesResponseSchema = z.object({
  created: z.number().optional(),
  data: z.array(imageDataSchema).min(1, { message: 'holds no images' }),
});

export type ImagesResponse = z.infer<typeof imagesResponseSchema>;
