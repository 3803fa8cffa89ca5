/**
 * Face restoration presets: the aligned crop a restorer wants and whether it takes a fidelity weight.
 * Facts from the research notes (shared/reference/local-models.md) §2.3–2.4 (facefusion's enhancer table and alignment templates).
 */
import type { Point } from './affine.js';

/** Five-point alignment templates, normalised to the crop side: left eye, right eye, nose, left and right mouth corner (image-left first). */
export const FACE_TEMPLATES = {
  /** The FFHQ 512 template of GFPGAN, CodeFormer and RestoreFormer++ (facexlib's, divided by 512). */
  ffhq_512: [[0.37691676, 0.46864664], [0.62285697, 0.46912813], [0.50123859, 0.61331904], [0.39308822, 0.725411], [0.61150205, 0.72490465]],
  /** ArcFace 128 (GPEN-BFR-256). */
  arcface_128: [[0.36167656, 0.40387734], [0.63696719, 0.40235469], [0.50019687, 0.56044219], [0.38710391, 0.72160547], [0.61507734, 0.72034453]],
} satisfies Record<string, Point[]>;

export type FaceTemplateId = keyof typeof FACE_TEMPLATES;

/**
 * How a restorer is fed. Input: the aligned face as float32 `[1, 3, size, size]` RGB in [−1, 1]; output: the first
 * output, same shape and range.
 */
export interface FacePreset {
  /** Side of the square aligned crop, in pixels. @default 512 */
  size?: number;
  /** Where the five landmarks go in the crop: a template id or five `[x, y]` points normalised to 0..1. @default 'ffhq_512' */
  template?: FaceTemplateId | Point[];
  /**
   * Name of the model's float64 `[1]` input that receives the call's `fidelity` (CodeFormer's `weight`).
   * Models without one ignore `fidelity`. @default none
   */
  weightInput?: string;
}

/** A face preset with its defaults filled in and the template in crop pixels: what the worker computes with. */
export interface ResolvedFacePreset {
  size: number;
  template: Point[];
  weightInput: string | undefined;
}

/** The built-in face presets, by id. */
export const FACE_PRESETS = {
  /** GFPGAN 1.2–1.4 and RestoreFormer++ (facefusion's exports): 512², ffhq_512, no weight input. */
  gfpgan: { size: 512, template: 'ffhq_512' },
  /** CodeFormer: 512², ffhq_512, float64 `weight` input = fidelity (small: stronger restoration). */
  codeformer: { size: 512, template: 'ffhq_512', weightInput: 'weight' },
  /** GPEN-BFR-256: 256², arcface_128. */
  'gpen-256': { size: 256, template: 'arcface_128' },
} satisfies Record<string, FacePreset>;

export type FacePresetId = keyof typeof FACE_PRESETS;

export function isFacePresetId(value: unknown): value is FacePresetId {
  return typeof value === 'string' && Object.hasOwn(FACE_PRESETS, value);
}

/** Fills in a face preset's defaults. */
export function resolveFacePreset(preset: FacePreset): ResolvedFacePreset {
  const size = preset.size ?? 512;
  const template = typeof preset.template === 'object' ? preset.template : FACE_TEMPLATES[preset.template ?? 'ffhq_512'];
  return { size, template: template.map(([x, y]) => [x * size, y * size] as Point), weightInput: preset.weightInput };
}

/** Why a face preset cannot be used, or undefined when it is fine. */
export function facePresetProblem(preset: unknown): string | undefined {
  if (typeof preset !== 'object' || preset === null) return 'a face preset must be a preset id or an object';
  const candidate = preset as FacePreset;
  if (candidate.size !== undefined && !(Number.isInteger(candidate.size) && candidate.size >= 16 && candidate.size <= 4096)) return 'size must be a whole number of pixels (16..4096)';
  const template = candidate.template;
  if (template !== undefined && typeof template === 'string' && !Object.hasOwn(FACE_TEMPLATES, template)) return `template must be one of ${Object.keys(FACE_TEMPLATES).join(', ')} or five [x, y] points`;
  if (template !== undefined && typeof template !== 'string') {
    const ok = Array.isArray(template) && template.length === 5 && template.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!ok) return 'template must be five [x, y] points normalised to 0..1';
  }
  if (candidate.weightInput !== undefined && (typeof candidate.weightInput !== 'string' || candidate.weightInput.length === 0)) return 'weightInput must be an input name';
  return undefined;
}
