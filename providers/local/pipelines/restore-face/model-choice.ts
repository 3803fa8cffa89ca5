import { existsSync } from 'node:fs';
import { pixmuxError } from 'pixmux';
import { FACE_PRESETS, facePresetProblem, isFacePresetId, resolveFacePreset, type FacePreset, type FacePresetId, type ResolvedFacePreset } from './presets.js';
import { ensureModel, MODELS, resolveModel, type EnsureOptions, type ModelSpec } from '../../models/index.js';

/** A face restorer of your own, used by path instead of the manifest. */
export interface LocalFaceModelByPath {
  /** Path to the `.onnx` file. */
  path: string;
  /** A built-in face preset id (`'gfpgan'`, `'codeformer'`, `'gpen-256'`) or your own `{ size, template, weightInput }`. */
  preset: FacePresetId | FacePreset;
  /** The name reported as the result's `model`, and matched against a call's `model`. @default the file name */
  id?: string;
}

/** A manifest face model id (downloaded on first use) or a restorer file by path. */
export type LocalFaceModelChoice = string | LocalFaceModelByPath;

/** A face detector: a manifest detector id or a YuNet-compatible file by path (12 outputs `cls_8` … `kps_32`, 640² input). */
export type LocalFaceDetectorChoice = string | { path: string };

export interface ChosenFaceModels {
  id: string;
  path: string;
  preset: ResolvedFacePreset;
  detectorPath: string;
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Checks the restoreFace model and detector choices when the provider is created. */
export function validateFaceChoices(model: LocalFaceModelChoice | undefined, detector: LocalFaceDetectorChoice | undefined, where: string): void {
  if (model !== undefined && typeof model !== 'string') {
    if (typeof model !== 'object' || model === null || typeof model.path !== 'string' || model.path.length === 0) {
      throw pixmuxError('invalid_request', `${where}.restoreFace must be a model id or { path, preset }`);
    }
    if (typeof model.preset === 'string') {
      if (!isFacePresetId(model.preset)) throw pixmuxError('invalid_request', `${where}.restoreFace.preset "${model.preset}" is unknown; face presets: ${Object.keys(FACE_PRESETS).join(', ')}`);
    } else {
      const problem = facePresetProblem(model.preset);
      if (problem) throw pixmuxError('invalid_request', `${where}.restoreFace.preset: ${problem}`);
    }
  }
  if (detector !== undefined && typeof detector !== 'string' && !(typeof detector === 'object' && detector !== null && typeof detector.path === 'string' && detector.path.length > 0)) {
    throw pixmuxError('invalid_request', `${where}.faceDetector must be a detector id or { path }`);
  }
}

export interface ChooseFaceModelsOptions {
  provider: string;
  /** The call's `model`, if it named one. */
  requested: string | undefined;
  configured: LocalFaceModelChoice | undefined;
  detector: LocalFaceDetectorChoice | undefined;
  ensure: EnsureOptions;
  warn(message: string): void;
}

function existing(path: string, what: string, provider: string): string {
  if (!existsSync(path)) throw pixmuxError('provider_unavailable', `${provider}: the ${what} file ${path} does not exist`, { provider, retryable: false });
  return path;
}

/** The detector: the configured one (by path or id), else the one the restorer's manifest entry requires, else YuNet. */
async function chooseDetector(options: ChooseFaceModelsOptions, restorer: ModelSpec | undefined): Promise<string> {
  const { detector, provider } = options;
  if (typeof detector === 'object') return existing(detector.path, 'face detector', provider);
  const id = detector ?? restorer?.requires?.[0] ?? 'yunet-2023mar';
  const spec = Object.hasOwn(MODELS, id) ? MODELS[id] : undefined;
  if (!spec || spec.role !== 'detector') throw pixmuxError('invalid_request', `${provider}: "${id}" is not a known face detector`, { provider });
  const { paths } = await ensureModel(spec, options.ensure);
  return paths[0]!;
}

/**
 * The restorer and detector for a restoreFace call: the model the call names (a configured by-path id or a manifest id),
 * else the configured one, else the manifest default (`gfpgan-1.4` with `yunet-2023mar`). Manifest files are fetched first.
 */
export async function chooseRestoreFaceModels(options: ChooseFaceModelsOptions): Promise<ChosenFaceModels> {
  const { configured, requested, provider } = options;
  if (typeof configured === 'object' && (requested === undefined || requested === (configured.id ?? fileName(configured.path)))) {
    const preset = typeof configured.preset === 'string' ? FACE_PRESETS[configured.preset] : configured.preset;
    const path = existing(configured.path, 'face model', provider);
    return { id: configured.id ?? fileName(path), path, preset: resolveFacePreset(preset), detectorPath: await chooseDetector(options, undefined) };
  }
  const { spec, warnings } = resolveModel('restoreFace', requested ?? (typeof configured === 'string' ? configured : undefined));
  warnings.forEach((warning) => options.warn(warning));
  if (!isFacePresetId(spec.preset)) {
    throw pixmuxError('provider_unavailable', `${provider}: model "${spec.id}" needs the face preset "${spec.preset}", which this version does not have`, { provider, retryable: false });
  }
  const { paths } = await ensureModel(spec, options.ensure);
  return { id: spec.id, path: paths[0]!, preset: resolveFacePreset(FACE_PRESETS[spec.preset]), detectorPath: await chooseDetector(options, spec) };
}
