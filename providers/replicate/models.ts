import { pixmuxError, type Operation } from 'pixmux';

/**
 * Current default models. Model ids are configuration, because vendors retire models within months:
 * override them with the factory's `models` option or a call's `model`.
 * Version hashes are the ones on the model pages when the reference was compiled (about October 2026).
 * @see ../shared/reference/providers.md §5
 */
export const DEFAULT_MODELS: Record<Operation, string> = {
  generate: 'black-forest-labs/flux-schnell',
  removeBackground: '851-labs/background-remover:a029dff38972b5fda4ec5d75d7d1cd25aeff621d2cf4946a41055d7db66b80bc',
  restoreFace: 'tencentarc/gfpgan:9283608cc6b7be6b65a8e44983db012355fde4132009bf99d976b2f0896856a3',
};

/** How a model is run: an official model by name, or any model by version id. */
export type ModelRef =
  | { kind: 'official'; id: string; owner: string; name: string }
  | { kind: 'version'; id: string; version: string; owner?: string; name?: string };

const NAME = /^([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*)$/i;
const NAME_AND_VERSION = /^([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*):([a-f0-9]{64})$/i;
const VERSION = /^[a-f0-9]{64}$/i;

/** Reads `owner/name`, `owner/name:<64-hex version>` or a bare version id. */
export function parseModel(model: string, provider: string): ModelRef {
  const trimmed = model.trim();
  const versioned = NAME_AND_VERSION.exec(trimmed);
  if (versioned) return { kind: 'version', id: `${versioned[1]}/${versioned[2]}`, owner: versioned[1]!, name: versioned[2]!, version: versioned[3]!.toLowerCase() };
  const named = NAME.exec(trimmed);
  if (named) return { kind: 'official', id: trimmed, owner: named[1]!, name: named[2]! };
  if (VERSION.test(trimmed)) return { kind: 'version', id: trimmed.toLowerCase(), version: trimmed.toLowerCase() };
  throw pixmuxError('invalid_request', `${provider}: model must be "owner/name", "owner/name:<64-hex version>" or a version id (got ${JSON.stringify(model)})`, { provider });
}

/** The input field names a model uses for pixmux's image options; GFPGAN famously takes `img`. */
export interface ImageInputFields {
  /** Field that carries the input image. */
  image: string;
  /** Field for `fidelity` (0 = quality, 1 = faithful), when the model has one. */
  fidelity?: string;
}

const IMAGE_FIELDS: Array<[prefix: string, fields: ImageInputFields]> = [
  ['tencentarc/gfpgan', { image: 'img' }],
  ['sczhou/codeformer', { image: 'image', fidelity: 'codeformer_fidelity' }],
];

export function imageFieldsFor(modelId: string): ImageInputFields {
  return IMAGE_FIELDS.find(([prefix]) => modelId === prefix || modelId.startsWith(`${prefix}:`))?.[1] ?? { image: 'image' };
}
