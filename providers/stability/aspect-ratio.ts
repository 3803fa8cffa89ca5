import type { NormalizedGenerateRequest } from 'pixmux';
import { ASPECT_RATIOS, type AspectRatio } from './api.js';

/**
 * Stability takes an aspect ratio, never a pixel size: a size becomes the nearest ratio (with a warning,
 * since Stability picks the pixels), an unlisted ratio the nearest listed one.
 */
export function aspectRatioFor(request: Pick<NormalizedGenerateRequest, 'size' | 'aspectRatio'>): { value?: AspectRatio; warning?: string } {
  if (request.size) {
    const { width, height } = request.size;
    const value = nearestRatio(width / height);
    return { value, warning: `Stability takes an aspect ratio, not a pixel size; sending aspect_ratio ${value} for ${width}x${height} (Stability chooses the pixel size)` };
  }
  if (!request.aspectRatio) return {};
  if ((ASPECT_RATIOS as readonly string[]).includes(request.aspectRatio)) return { value: request.aspectRatio as AspectRatio };
  const [w, h] = request.aspectRatio.split(':').map(Number) as [number, number];
  const value = nearestRatio(w / h);
  return { value, warning: `Stability does not offer aspect ratio ${request.aspectRatio}; using ${value}` };
}

function nearestRatio(ratio: number): AspectRatio {
  let best: AspectRatio = '1:1';
  let bestDistance = Infinity;
  for (const option of ASPECT_RATIOS) {
    const [w, h] = option.split(':').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - Math.log(ratio));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = option;
    }
  }
  return best;
}
