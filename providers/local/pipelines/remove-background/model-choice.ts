import { existsSync } from 'node:fs';
import { pixmuxError } from 'pixmux';
import { ensureModel, resolveModel, type EnsureOptions } from '../../models/index.js';
import { isPresetId, PRESETS, presetProblem, resolvePreset, type Preset, type PresetId, type ResolvedPreset } from './presets.js';

/** A model file of your own, used by path instead of the manifest. */
export interface LocalModelByPath {
  /** Path to the `.onnx` file. */
  path: string;
  /** A built-in preset id (`'birefnet'`, `'isnet'`, `'isnet-imgly'`, `'u2net'`, `'modnet'`, `'sinet'`, `'pphumanseg'`, `'rmbg2'`) or your own preset. */
  preset: PresetId | Preset;
  /** The name reported as the result's `model`, and matched against a call's `model`. @default the file name */
  id?: string;
}

/** A manifest model id (downloaded on first use) or a model file by path. */
export type LocalModelChoice = string | LocalModelByPath;

export interface ChosenModel {
  id: string;
  path: string;
  preset: ResolvedPreset;
}

/** Checks a model-by-path choice when the provider is created, so a typo fails at start-up, not at the first call. */
export function validateModelChoice(choice: LocalModelChoice | undefined, where: string): void {
  if (choice === undefined || typeof choice === 'string') return;
  if (typeof choice !== 'object' || choice === null || typeof choice.path !== 'string' || choice.path.length === 0) {
    throw pixmuxError('invalid_request', `${where} must be a model id or { path, preset }`);
  }
  if (typeof choice.preset === 'string') {
    if (!isPresetId(choice.preset)) throw pixmuxError('invalid_request', `${where}.preset "${choice.preset}" is unknown; built-in presets: ${Object.keys(PRESETS).join(', ')}`);
  } else {
    const problem = presetProblem(choice.preset);
    if (problem) throw pixmuxError('invalid_request', `${where}.preset: ${problem}`);
  }
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function byPath(choice: LocalModelByPath, provider: string): ChosenModel {
  if (!existsSync(choice.path)) {
    throw pixmuxError('provider_unavailable', `${provider}: the model file ${choice.path} does not exist`, { provider, retryable: false });
  }
  const preset = typeof choice.preset === 'string' ? PRESETS[choice.preset] : choice.preset;
  return { id: choice.id ?? fileName(choice.path), path: choice.path, preset: resolvePreset(preset as Preset) };
}

export interface ChooseModelOptions {
  provider: string;
  /** The call's `model`, if it named one. */
  requested: string | undefined;
  /** The provider's configured model for the operation. */
  configured: LocalModelChoice | undefined;
  ensure: EnsureOptions;
  warn(message: string): void;
}

/**
 * The model for a removeBackground call: the one the call names (a configured by-path id or a manifest id),
 * else the configured one, else the manifest default. Manifest models are fetched (or found in the cache) first.
 */
export async function chooseRemoveBackgroundModel(options: ChooseModelOptions): Promise<ChosenModel> {
  const { configured, requested, provider } = options;
  if (typeof configured === 'object' && (requested === undefined || requested === (configured.id ?? fileName(configured.path)))) return byPath(configured, provider);
  const id = requested ?? (typeof configured === 'string' ? configured : undefined);
  const { spec, warnings } = resolveModel('removeBackground', id);
  warnings.forEach((warning) => options.warn(warning));
  if (!isPresetId(spec.preset)) {
    throw pixmuxError('provider_unavailable', `${provider}: model "${spec.id}" needs the preset "${spec.preset}", which this version does not have`, { provider, retryable: false });
  }
  const { paths } = await ensureModel(spec, options.ensure);
  return { id: spec.id, path: paths[0]!, preset: resolvePreset(PRESETS[spec.preset]) };
}
