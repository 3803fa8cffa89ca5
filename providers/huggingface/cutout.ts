import { base64ToBytes } from 'pixmux';
import type { Segment } from './api.js';
import { decodePng, readPngHeader, type RgbaImage } from './png-decode.js';

/** Labels that name the background rather than a subject. */
const BACKGROUND_LABEL = /^_?(background|bg)_?$/i;

/** Why a cut-out could not be made: `bad_response` when the masks are unusable, `no_foreground` when none is a subject. */
export class CutoutError extends Error {
  constructor(
    readonly kind: 'bad_response' | 'no_foreground',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Cuts the input out with the segmentation masks: the alpha of each pixel becomes the mask's value (soft edges
 * kept), times the input's own alpha. Which masks count as foreground:
 * - with `labels`, the segments carrying one of them (a semantic model: `['person']`);
 * - otherwise every segment not labelled background; when only a background mask came back, its inverse.
 * Several foreground masks are united (per pixel, the largest value). A mask of another size than the input is a
 * `bad_response`: pixmux does not resample masks it cannot check.
 */
export async function cutOut(input: RgbaImage, segments: Segment[], labels: readonly string[] | undefined): Promise<RgbaImage> {
  if (segments.length === 0) throw new CutoutError('bad_response', 'returned no segments');
  const chosen = labels ? segments.filter((segment) => labels.includes(segment.label)) : segments.filter((segment) => !BACKGROUND_LABEL.test(segment.label));
  const invert = !labels && chosen.length === 0;
  const used = invert ? segments : chosen;
  if (used.length === 0) throw new CutoutError('no_foreground', `found no segment labelled ${labels!.map((label) => JSON.stringify(label)).join(' or ')} (labels: ${segments.map((segment) => JSON.stringify(segment.label)).join(', ')})`);
  const alpha = new Uint8Array(input.width * input.height);
  for (const segment of used) {
    const mask = await decodeMask(segment, input);
    for (let i = 0; i < alpha.length; i++) {
      const value = maskValue(mask.data, i);
      if (value > alpha[i]!) alpha[i] = value;
    }
  }
  const out = new Uint8Array(input.data);
  for (let i = 0; i < alpha.length; i++) {
    const coverage = invert ? 255 - alpha[i]! : alpha[i]!;
    out[i * 4 + 3] = Math.round((coverage * input.data[i * 4 + 3]!) / 255);
  }
  return { width: input.width, height: input.height, data: out };
}

async function decodeMask(segment: Segment, input: RgbaImage): Promise<RgbaImage> {
  const bytes = base64ToBytes(segment.mask);
  if (!bytes) throw new CutoutError('bad_response', `returned a mask for ${JSON.stringify(segment.label)} that is not valid base64`);
  // The size is checked from the header, before anything is inflated: a mask never costs more memory than the input.
  const header = readPngHeader(bytes);
  if (typeof header === 'string') throw new CutoutError('bad_response', `returned a mask for ${JSON.stringify(segment.label)} that is ${header}`);
  if (header.width !== input.width || header.height !== input.height) {
    throw new CutoutError('bad_response', `returned a ${header.width}x${header.height} mask for a ${input.width}x${input.height} image`);
  }
  try {
    return await decodePng(bytes);
  } catch (error) {
    throw new CutoutError('bad_response', `returned a mask for ${JSON.stringify(segment.label)} that is ${(error as Error).message}`);
  }
}

/** A mask pixel's coverage: its gray level (the mean of R, G, B), times its own alpha. */
function maskValue(data: Uint8Array, pixel: number): number {
  const at = pixel * 4;
  const gray = (data[at]! + data[at + 1]! + data[at + 2]!) / 3;
  return Math.round((gray * data[at + 3]!) / 255);
}
