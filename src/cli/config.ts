import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pixmux from 'pixmux';
import { isProvider, type BudgetOptions, type CacheOptions, type PolicyOptions, type Provider } from 'pixmux';
import type { CliArgs } from './args.js';
import { UsageError } from './usage.js';

/** The hosted vendors the CLI can build by name, with the environment variable that holds their key. */
export const VENDORS = {
  openai: 'OPENAI_API_KEY',
  replicate: 'REPLICATE_API_TOKEN',
  fal: 'FAL_KEY',
  stability: 'STABILITY_API_KEY',
  pixelapi: 'PIXELAPI_API_KEY',
  removebg: 'REMOVE_BG_API_KEY',
  huggingface: 'HF_TOKEN',
  photoroom: 'PHOTOROOM_API_KEY',
  clipdrop: 'CLIPDROP_API_KEY',
  'openai-compatible': 'OPENAI_COMPATIBLE_API_KEY',
} as const;
type Vendor = keyof typeof VENDORS;
const BUILT_IN = ['local', ...Object.keys(VENDORS)] as const;

/** A provider named in pixmux.config.json: `"replicate"` or `{ "use": "replicate", …its factory options }`. */
type ProviderEntry = string | ({ use: string } & Record<string, unknown>) | Provider;

/** What pixmux.config.json / pixmux.config.mjs may hold (the .mjs default export may also be a function returning it). */
export interface CliConfig {
  providers?: ProviderEntry[];
  /** Provider ids, in the order to try them (like repeated --provider). */
  order?: string[];
  policy?: PolicyOptions;
  /** Dollars: the most a run may spend, or full budget options. */
  budget?: number | BudgetOptions;
  cache?: CacheOptions | false;
  concurrency?: number;
  timeoutMs?: number;
}

const CONFIG_FILES = ['pixmux.config.mjs', 'pixmux.config.json'];

/** Reads the config file named by --config, else the first of pixmux.config.mjs / .json in the working directory. */
export async function loadConfig(path: string | undefined, cwd = process.cwd()): Promise<CliConfig> {
  const file = path === undefined ? CONFIG_FILES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate)) : resolve(cwd, path);
  if (file === undefined) return {};
  if (!existsSync(file)) throw new UsageError(`--config: ${file} does not exist`);
  try {
    if (file.endsWith('.json')) return JSON.parse(readFileSync(file, 'utf8')) as CliConfig;
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    const exported = typeof module.default === 'function' ? await (module.default as (api: { pixmux: typeof pixmux; env: NodeJS.ProcessEnv }) => unknown)({ pixmux, env: process.env }) : module.default;
    return (exported ?? {}) as CliConfig;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

async function importProvider(name: string): Promise<Record<string, (options?: Record<string, unknown>) => Provider>> {
  return (await import(`pixmux/providers/${name}`)) as Record<string, (options?: Record<string, unknown>) => Provider>;
}

const FACTORY: Record<string, string> = {
  local: 'local',
  openai: 'openai',
  replicate: 'replicate',
  fal: 'fal',
  stability: 'stability',
  pixelapi: 'pixelapi',
  removebg: 'removebg',
  huggingface: 'huggingface',
  photoroom: 'photoroom',
  clipdrop: 'clipdrop',
  'openai-compatible': 'openaiCompatible',
};

async function build(name: string, options: Record<string, unknown> = {}): Promise<Provider> {
  if (!BUILT_IN.includes(name as (typeof BUILT_IN)[number])) throw new UsageError(`unknown provider "${name}" (built in: ${BUILT_IN.join(', ')}; define others in pixmux.config.mjs)`);
  const module = await importProvider(name);
  const factory = module[FACTORY[name]!]!;
  return factory(options);
}

/**
 * The local provider's options from --model / --preset (a manifest id, or a file with its preset; for generate, a
 * model folder with its pipeline as the preset).
 */
function localModelOptions(args: CliArgs, operation: string | undefined): Record<string, unknown> {
  if (args.model === undefined) return {};
  if (operation === 'generate') {
    if (args.preset !== 'sd-turbo' && args.preset !== 'lcm') throw new UsageError('generate --model <folder> needs --preset sd-turbo or --preset lcm (the pipeline)');
    return { models: { generate: { path: resolve(args.model), pipeline: args.preset } } };
  }
  const isFile = args.model.endsWith('.onnx') || existsSync(args.model);
  if (isFile && args.preset === undefined) throw new UsageError('--model <file.onnx> needs --preset (e.g. sinet, u2net, birefnet, isnet, gfpgan)');
  const choice = isFile ? { path: resolve(args.model), preset: args.preset } : args.model;
  return { models: { [operation === 'restoreFace' ? 'restoreFace' : 'removeBackground']: choice } };
}

/**
 * The providers for this run: the config's (built by name, or Provider objects from a .mjs), else the local backend
 * plus every hosted vendor whose key is in the environment. `--model` rebuilds the local provider with that model.
 */
export async function resolveProviders(config: CliConfig, args: CliArgs, operation: string | undefined): Promise<Provider[]> {
  const providers: Provider[] = [];
  const localOptions = localModelOptions(args, operation);
  const entries: ProviderEntry[] = config.providers ?? ['local', ...(Object.keys(VENDORS) as Vendor[]).filter((vendor) => vendor !== 'openai-compatible' && process.env[VENDORS[vendor]])];
  for (const entry of entries) {
    if (isProvider(entry)) providers.push(entry);
    else if (typeof entry === 'string') providers.push(await build(entry, entry === 'local' ? localOptions : {}));
    else if (typeof entry === 'object' && entry !== null && typeof entry.use === 'string') {
      const { use, ...options } = entry;
      providers.push(await build(use, use === 'local' ? { ...options, ...localOptions } : options));
    } else throw new UsageError(`config: each provider is a name, { "use": name, …options } or a defineProvider() object; got ${JSON.stringify(entry)}`);
  }
  if (args.model !== undefined && !providers.some((provider) => provider.id === 'local')) providers.unshift(await build('local', localOptions));
  const ids = new Set<string>();
  for (const provider of providers) {
    if (ids.has(provider.id)) throw new UsageError(`config: two providers have the id "${provider.id}"`);
    ids.add(provider.id);
  }
  return providers;
}

/** The order to try providers in: --provider flags, else the config's `order`, else the policy's (tier). */
export function resolveOrder(config: CliConfig, args: CliArgs, providers: Provider[]): string[] | undefined {
  const order = args.providers ?? config.order;
  if (order === undefined) return undefined;
  const known = providers.map((provider) => provider.id);
  const unknown = order.filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new UsageError(`--provider ${unknown.join(', ')}: not configured (configured: ${known.join(', ') || 'none'})`);
  return order;
}

/** The budget for this run: --budget (dollars for the whole run) over the config's. */
export function resolveBudget(config: CliConfig, args: CliArgs): BudgetOptions | undefined {
  const usd = args.budgetUsd ?? (typeof config.budget === 'number' ? config.budget : undefined);
  const base = typeof config.budget === 'object' ? config.budget : undefined;
  if (usd === undefined) return base;
  // A fresh in-process store: a monthly window is, for one run of the command, the run's own total.
  return { ...base, limits: [...(base?.limits ?? []), { usd, per: 'month' }] };
}
