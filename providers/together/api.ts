import { z } from 'zod';

/**
 * Together's `POST /v1/images/generations`, as the saved copy of its official OpenAPI file describes it
 * (`paths./images/generations`, `components.schemas.ImageResponse`). Minimal on purpose: only the fields pixmux
 * sends or reads.
 * @see https://docs.together.ai/reference/post-images-generations
 * @see ../shared/reference/specs/together.yaml
 */
export interface ImagesGenerationBody {
  model: string;
  prompt: string;
  n: number;
  width: number;
  height: number;
  /** `base64` (the image inline, preferred) or `url`. */
  response_format: 'base64' | 'url';
  output_format: 'jpeg' | 'png';
  steps?: number;
  seed?: number;
  negative_prompt?: string;
  [extra: string]: unknown;
}

const imageDataSchema = z
  .object({
    index: z.number().optional(),
    b64_json: z.string().min(1).nullish(),
    url: z.string().min(1).nullish(),
  })
  .refine((item) => Boolean(item.b64_json || item.url), { message: 'has neither b64_json nor url' });

export const imageResponseSchema = z.object({
  id: z.string().optional(),
  model: z.string().optional(),
  data: z.array(imageDataSchema).min(1, { message: 'holds no images' }),
});

export type ImageResponse = z.infer<typeof imageResponseSchema>;
