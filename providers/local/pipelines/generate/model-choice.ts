import { existsSync, statSync } from 'node:fs';
import { pixmuxError } from 'pixmux';
import { ensureModel, resolveModel, type EnsureOptions } from '../../models/index.js';
import { GENERATE_PIPELINES, missingGenerateFiles, type GeneratePipelineId } from './layout.js';

/** A text-to-image model folder of your own (the Hugging Face ONNX layout), used by path. */
export interface LocalGenerateModelByPath {
  /** The folder holding `text_encoder/`, `unet/`, `vae_decoder/`, `tokenizer/` and `scheduler/`. */
  path: string;
  /** `'sd-turbo'` (Euler ancestral, 1–4 steps, no guidance) or `'lcm'` (LCM scheduler, 1–8 steps, guidance embedded). */
  pipeline: GeneratePipelineId;
  /** The name reported as the result's `model`, and matched against a call's `model`. @default the folder's name */
  id?: string;
}

/**
 * A manifest id (`'lcm-dreamshaper-v7'`, or `'sd-turbo'`, non-commercial: naming it is the opt-in, and each call warns),
 * downloaded into the cache on first use, or a model folder by path.
 */
export type LocalGenerateModelChoice = string | LocalGenerateModelByPath;

export interface ChosenGenerateModel {
  id: string;
  folder: string;
  pipeline: GeneratePipelineId;
}

function folderName(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || path;
}

/** Checks the generate model choice when the provider is created. */
export function validateGenerateChoice(choice: LocalGenerateModelChoice | undefined, where: string): void {
  if (choice === undefined) return;
  if (typeof choice === 'string') {
    // An unknown id, or one for another operation, fails at creation rather than at the first call.
    const { spec } = resolveModel('generate', choice);
    if (!isPipeline(spec.preset)) throw pixmuxError('invalid_request', `${where}: model "${choice}" needs the pipeline "${spec.preset}", which this version does not have`);
    return;
  }
  if (typeof choice !== 'object' || choice === null || typeof choice.path !== 'string' || choice.path.length === 0) {
    throw pixmuxError('invalid_request', `${where} must be a model id or { path, pipeline: ${GENERATE_PIPELINES.map((id) => `'${id}'`).join(' | ')} }`);
  }
  if (!GENERATE_PIPELINES.includes(choice.pipeline)) {
    throw pixmuxError('invalid_request', `${where}.pipeline ${JSON.stringify(choice.pipeline)} is unknown; pipelines: ${GENERATE_PIPELINES.join(', ')}`);
  }
}

function isPipeline(value: string): value is GeneratePipelineId {
  return (GENERATE_PIPELINES as readonly string[]).includes(value);
}

export interface ChooseGenerateModelOptions {
  provider: string;
  /** The call's `model`, if it named one. */
  requested: string | undefined;
  configured: LocalGenerateModelChoice;
  ensure: EnsureOptions;
  warn(message: string): void;
}

/**
 * The model folder for a generate call: the configured model, when the call names no model or names the configured one
 * (another model is `invalid_request`: each is gigabytes, so only the configured one is fetched). A manifest id is
 * downloaded (or found complete in the cache) first, with a licence warning for a non-commercial model. A folder by
 * path that is missing or lacks files is `provider_unavailable`, naming each missing file, before any worker starts.
 */
export async function chooseGenerateModel(options: ChooseGenerateModelOptions): Promise<ChosenGenerateModel> {
  const { configured, requested, provider } = options;
  const id = typeof configured === 'string' ? configured : (configured.id ?? folderName(configured.path));
  if (requested !== undefined && requested !== id) {
    // An unknown id (or one for another operation) says which exist; a known one is refused as not configured.
    resolveModel('generate', requested);
    throw pixmuxError('invalid_request', `${provider}: model "${requested}" is not the configured generate model "${id}"`, { provider });
  }
  if (typeof configured === 'string') {
    const { spec, warnings } = resolveModel('generate', configured);
    warnings.forEach((warning) => options.warn(warning));
    const { folder } = await ensureModel(spec, options.ensure);
    return { id: spec.id, folder: folder!, pipeline: spec.preset as GeneratePipelineId };
  }
  const folder = configured.path;
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw pixmuxError('provider_unavailable', `${provider}: the generate model folder ${folder} does not exist (expected the Hugging Face ONNX layout: text_encoder/, unet/, vae_decoder/, tokenizer/, scheduler/)`, { provider, retryable: false });
  }
  const missing = missingGenerateFiles(folder);
  if (missing.length > 0) throw pixmuxError('provider_unavailable', `${provider}: the generate model folder ${folder} is incomplete: missing ${missing.join(', ')}`, { provider, retryable: false });
  return { id, folder, pipeline: configured.pipeline };
}
