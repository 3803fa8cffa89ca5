import { z } from 'zod';

/**
 * The wire formats pixmux speaks with Google, minimal on purpose (only the fields sent and read):
 * `models/{model}:generateContent` for the Gemini image models (Gemini API and Vertex AI alike) and
 * `…/models/{model}:predict` for Imagen on Vertex AI.
 * @see https://ai.google.dev/gemini-api/docs/image-generation
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/imagen-api
 * @see ../shared/reference/providers.md §3
 */
export interface GenerateContentBody {
  contents: Array<{ role: 'user'; parts: Array<{ text: string }> }>;
  generationConfig: {
    responseModalities: Array<'TEXT' | 'IMAGE'>;
    imageConfig?: { aspectRatio?: string; imageSize?: string; imageOutputOptions?: { mimeType: string } };
    seed?: number;
    [extra: string]: unknown;
  };
}

export interface PredictBody {
  instances: Array<{ prompt: string }>;
  parameters: {
    sampleCount: number;
    aspectRatio?: string;
    sampleImageSize?: string;
    negativePrompt?: string;
    seed?: number;
    addWatermark?: boolean;
    /** Always true: without it, filtered images vanish from `predictions` without a word. */
    includeRaiReason: true;
    outputOptions?: { mimeType: string };
    [extra: string]: unknown;
  };
}

const partSchema = z.object({
  text: z.string().nullish(),
  inlineData: z.object({ mimeType: z.string().nullish(), data: z.string() }).nullish(),
  /** Gemini 3 models may return interim "thought" images before the final one. */
  thought: z.boolean().nullish(),
});

export const generateContentResponseSchema = z.object({
  candidates: z
    .array(
      z.object({
        content: z.object({ parts: z.array(partSchema).nullish() }).nullish(),
        finishReason: z.string().nullish(),
        finishMessage: z.string().nullish(),
      }),
    )
    .nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish(), blockReasonMessage: z.string().nullish() }).nullish(),
  usageMetadata: z.record(z.string(), z.unknown()).nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});

export type GenerateContentResponse = z.infer<typeof generateContentResponseSchema>;

export const predictResponseSchema = z.object({
  predictions: z
    .array(
      z.object({
        bytesBase64Encoded: z.string().nullish(),
        mimeType: z.string().nullish(),
        raiFilteredReason: z.string().nullish(),
        /** The rewritten prompt, when `enhancePrompt` is on. */
        prompt: z.string().nullish(),
      }),
    )
    .nullish(),
});

export type PredictResponse = z.infer<typeof predictResponseSchema>;

/** The google.rpc error envelope: `{ error: { code, message, status, details } }`. */
export const googleErrorSchema = z.object({
  error: z.object({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.object({ '@type': z.string().nullish(), retryDelay: z.string().nullish() }).passthrough()).nullish(),
  }),
});
