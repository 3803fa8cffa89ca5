import { pixmuxError } from '../errors/create-error.js';
import type { Operation, ProviderDefinition, Tier } from '../types.js';

const OPERATIONS: readonly Operation[] = ['generate', 'removeBackground', 'restoreFace'];
const TIERS: readonly Tier[] = ['local', 'cheap', 'premium'];
const ID_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/i;

/** A provider after `defineProvider`: its definition with the defaults filled in. */
export interface Provider extends ProviderDefinition {
  tier: Tier;
  readonly kind: 'pixmux.provider';
}

/**
 * Declares a backend. The built-in providers use this same function, so a team's own endpoint is a
 * first-class provider.
 *
 * @example
 * const myGpu = defineProvider({
 *   id: 'my-gpu',
 *   tier: 'local',
 *   operations: { generate: async (req, ctx) => ({ images: [{ bytes }], model: 'sdxl', costUsd: 0 }) },
 * });
 */
export function defineProvider(definition: ProviderDefinition): Provider {
  if (typeof definition !== 'object' || definition === null) throw pixmuxError('invalid_request', 'defineProvider: the definition must be an object');
  if (typeof definition.id !== 'string' || !ID_PATTERN.test(definition.id)) {
    throw pixmuxError('invalid_request', `defineProvider: id must be 1-64 letters, digits, '.', '_', ':' or '-' (got ${JSON.stringify(definition.id)})`);
  }
  const tier = definition.tier ?? 'cheap';
  if (!TIERS.includes(tier)) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): tier must be one of ${TIERS.join(', ')}`);
  const operations = definition.operations ?? {};
  const names = Object.keys(operations);
  if (names.length === 0) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): operations must implement at least one of ${OPERATIONS.join(', ')}`);
  for (const name of names) {
    if (!OPERATIONS.includes(name as Operation)) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): unknown operation "${name}"`);
    if (typeof operations[name as Operation] !== 'function') throw pixmuxError('invalid_request', `defineProvider(${definition.id}): operations.${name} must be a function`);
  }
  for (const key of ['maxConcurrency', 'maxImagesPerCall'] as const) {
    const value = definition[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw pixmuxError('invalid_request', `defineProvider(${definition.id}): ${key} must be a whole number of at least 1`);
  }
  return Object.freeze({ ...definition, tier, operations, kind: 'pixmux.provider' as const });
}

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'object' && value !== null && (value as Provider).kind === 'pixmux.provider';
}
