import type { NormalizedGenerateRequest } from 'pixmux';

/** The aspect ratios the Gemini image models take. @see https://ai.google.dev/gemini-api/docs/image-generation */
export const GEMINI_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** The aspect ratios Imagen takes. @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/imagen-api */
export const IMAGEN_ASPECT_RATIOS = ['1:1', '3:4', '4:3', '9:16', '16:9'] as const;

export interface AspectChoice {
  value?: string;
  warning?: string;
}

/**
 * Google takes an aspect ratio, never a pixel size: a size becomes the nearest listed ratio (with a warning, since
 * Google picks the pixels), an unlisted ratio the nearest listed one.
 */
export function aspectRatioFor(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>, allowed: readonly string[], model: string): AspectChoice {
  if (request.size) {
    const { width, height } = request.size;
    const value = nearest(width / height, allowed);
    return { value, warning: `${model} takes an aspect ratio, not a pixel size; sending ${value} for ${width}x${height} (Google chooses the pixels)` };
  }
  if (!request.aspectRatio) return {};
  if (allowed.includes(request.aspectRatio)) return { value: request.aspectRatio };
  const [w, h] = request.aspectRatio.split(':').map(Number) as [number, number];
  const value = nearest(w / h, allowed);
  return { value, warning: `${model} does not offer aspect ratio ${request.aspectRatio}; using ${value}` };
}

function nearest(ratio: number, allowed: readonly string[]): string {
  const distance = (option: string) => {
    const [w, h] = option.split(':').map(Number) as [number, number];
    return Math.abs(Math.log(w / h / ratio));
  };
  return allowed.reduce((best, option) => (distance(option) < distance(best) ? option : best));
}

/** The smallest of `1K`/`2K`/`4K` that covers a long side, within the sizes a model offers. */
export function imageSizeFor(longSide: number, offered: readonly string[]): string {
  const wanted = longSide <= 1024 ? '1K' : longSide <= 2048 ? '2K' : '4K';
  return offered.includes(wanted) ? wanted : offered[offered.length - 1]!;
}
