import { pixmuxError } from 'pixmux';
import { DEFAULT_MODELS, MODELS } from './manifest.js';
import type { ModelOperation, ModelSpec } from './types.js';

export interface ResolvedModel {
  spec: ModelSpec;
  /** Licence warnings to pass to `context.warn`; empty for permissively licensed models. */
  warnings: string[];
}

/**
 * Picks the manifest entry for an operation: the named one, else the default.
 * Unknown ids and ids for another operation are `invalid_request`; a non-commercial model is allowed
 * only when named, and comes with a warning.
 */
export function resolveModel(operation: ModelOperation, id?: string, models: Readonly<Record<string, ModelSpec | undefined>> = MODELS): ResolvedModel {
  const chosen = id ?? DEFAULT_MODELS[operation];
  if (!chosen) throw pixmuxError('unsupported', `local: no default model for ${operation}; name one of: ${idsFor(operation, models) || '(none known)'}`, { provider: 'local' });
  const spec = Object.hasOwn(models, chosen) ? models[chosen] : undefined;
  if (!spec) {
    throw pixmuxError('invalid_request', `local: unknown model "${chosen}" for ${operation}; known: ${idsFor(operation, models) || '(none)'}, or pass a model file by path`, { provider: 'local' });
  }
  if (spec.role === 'detector') {
    throw pixmuxError('invalid_request', `local: model "${chosen}" is a ${spec.role} used by other ${spec.operation} models, not one to run on its own`, { provider: 'local' });
  }
  if (spec.operation !== operation) {
    throw pixmuxError('invalid_request', `local: model "${chosen}" is for ${spec.operation}, not ${operation}`, { provider: 'local' });
  }
  const warning = licenseWarning(spec);
  return { spec, warnings: warning ? [warning] : [] };
}

/** The warning shown whenever a model not cleared for commercial use runs; undefined for the others. */
export function licenseWarning(spec: ModelSpec): string | undefined {
  if (spec.commercial) return undefined;
  return `local: model "${spec.id}" is licensed ${spec.license} and is not cleared for commercial use${spec.notes ? ` (${spec.notes})` : ''}`;
}

function idsFor(operation: ModelOperation, models: Readonly<Record<string, ModelSpec | undefined>>): string {
  return Object.values(models)
    .filter((spec): spec is ModelSpec => spec !== undefined && spec.operation === operation && spec.role === undefined)
    .map((spec) => spec.id)
    .join(', ');
}
