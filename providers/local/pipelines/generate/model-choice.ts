import { existsSync, statSync } from 'node:fs';
import { pixmuxError } from 'pixmux';
import { resolveModel } from '../../models/index.js';
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

/** A model folder by path. No text-to-image model is in the manifest yet (see the README), so there are no ids to name. */
export type LocalGenerateModelChoice = LocalGenerateModelByPath;

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
  if (typeof choice === 'string') throw pixmuxError('invalid_request', `${where}: no text-to-image model is in the manifest yet, so "${choice}" cannot be fetched; download a model folder and pass { path, pipeline }`);
  if (typeof choice !== 'object' || choice === null || typeof choice.path !== 'string' || choice.path.length === 0) {
    throw pixmuxError('invalid_request', `${where} must be { path, pipeline: ${GENERATE_PIPELINES.map((id) => `'${id}'`).join(' | ')} }`);
  }
  if (!GENERATE_PIPELINES.includes(choice.pipeline)) {
    throw pixmuxError('invalid_request', `${where}.pipeline ${JSON.stringify(choice.pipeline)} is unknown; pipelines: ${GENERATE_PIPELINES.join(', ')}`);
  }
}

/**
 * The model folder for a generate call: the configured folder, when the call names no model or names the folder's id.
 * A missing folder or missing files are `provider_unavailable`, naming each missing file, before any worker starts.
 */
export function chooseGenerateModel(options: { provider: string; requested: string | undefined; configured: LocalGenerateModelByPath }): ChosenGenerateModel {
  const { configured, requested, provider } = options;
  const id = configured.id ?? folderName(configured.path);
  if (requested !== undefined && requested !== id) {
    // Another model by name: only manifest ids could be, and resolveModel says which exist (none for generate yet).
    resolveModel('generate', requested);
    throw pixmuxError('invalid_request', `${provider}: model "${requested}" is not the configured generate model "${id}"`, { provider });
  }
  const folder = configured.path;
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw pixmuxError('provider_unavailable', `${provider}: the generate model folder ${folder} does not exist (expected the Hugging Face ONNX layout: text_encoder/, unet/, vae_decoder/, tokenizer/, scheduler/)`, { provider, retryable: false });
  }
  const missing = missingGenerateFiles(folder);
  if (missing.length > 0) throw pixmuxError('provider_unavailable', `${provider}: the generate model folder ${folder} is incomplete: missing ${missing.join(', ')}`, { provider, retryable: false });
  return { id, folder, pipeline: configured.pipeline };
}
