import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { WorkerFailure } from '../../pool/worker-failure.js';
import { GENERATE_LAYOUT } from './layout.js';
import type { NoiseScheduleConfig } from './noise-schedule.js';
import type { TimestepSpacing } from './euler-ancestral.js';

// The JSON files of a Hugging Face model folder, as minimal schemas: only the fields read, defaults as diffusers'.

const schedulerSchema = z.object({
  _class_name: z.string().optional(),
  num_train_timesteps: z.number().int().positive().default(1000),
  beta_start: z.number().positive().default(0.00085),
  beta_end: z.number().positive().default(0.012),
  beta_schedule: z.enum(['scaled_linear', 'linear']).default('scaled_linear'),
  prediction_type: z.literal('epsilon').default('epsilon'),
  timestep_spacing: z.enum(['trailing', 'leading', 'linspace']).default('linspace'),
  steps_offset: z.number().int().min(0).default(0),
  original_inference_steps: z.number().int().positive().default(50),
  timestep_scaling: z.number().positive().default(10),
});

const tokenSchema = z.union([z.string(), z.object({ content: z.string() })]).transform((token) => (typeof token === 'string' ? token : token.content));
const tokenizerConfigSchema = z.object({
  model_max_length: z.number().optional(),
  pad_token: tokenSchema.nullish(),
  bos_token: tokenSchema.nullish(),
  eos_token: tokenSchema.nullish(),
});
const vaeConfigSchema = z.object({ scaling_factor: z.number().positive().default(0.18215) });

export interface SchedulerConfig extends NoiseScheduleConfig {
  className: string | undefined;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  originalInferenceSteps: number;
  timestepScaling: number;
}

export interface TokenizerSettings {
  maxLength: number | undefined;
  padToken: string | undefined;
  bosToken: string | undefined;
  eosToken: string | undefined;
}

function readJson(folder: string, file: string, optional: boolean): unknown {
  let text: string;
  try {
    text = readFileSync(join(folder, file), 'utf8');
  } catch (error) {
    if (optional && (error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new WorkerFailure('provider_unavailable', `the model folder ${folder} has no readable ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new WorkerFailure('provider_unavailable', `${join(folder, file)} is not valid JSON`);
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new WorkerFailure('provider_unavailable', `${where}: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'} (this version runs ε-prediction SD 1.x/2.x schedulers)`);
}

export function readSchedulerConfig(folder: string): SchedulerConfig {
  const config = parse(schedulerSchema, readJson(folder, GENERATE_LAYOUT.scheduler, false), join(folder, GENERATE_LAYOUT.scheduler));
  return {
    className: config._class_name,
    numTrainTimesteps: config.num_train_timesteps,
    betaStart: config.beta_start,
    betaEnd: config.beta_end,
    betaSchedule: config.beta_schedule,
    timestepSpacing: config.timestep_spacing,
    stepsOffset: config.steps_offset,
    originalInferenceSteps: config.original_inference_steps,
    timestepScaling: config.timestep_scaling,
  };
}

/** `tokenizer_config.json`, falling back to `special_tokens_map.json` for the special tokens. */
export function readTokenizerSettings(folder: string): TokenizerSettings {
  const config = parse(tokenizerConfigSchema, readJson(folder, GENERATE_LAYOUT.tokenizerConfig, true), join(folder, GENERATE_LAYOUT.tokenizerConfig));
  const special = parse(tokenizerConfigSchema, readJson(folder, GENERATE_LAYOUT.specialTokens, true), join(folder, GENERATE_LAYOUT.specialTokens));
  // Tokenizers without a limit store a huge sentinel (int(1e30)).
  const maxLength = config.model_max_length !== undefined && config.model_max_length > 0 && config.model_max_length < 1e6 ? config.model_max_length : undefined;
  return {
    maxLength,
    padToken: config.pad_token ?? special.pad_token ?? undefined,
    bosToken: config.bos_token ?? special.bos_token ?? undefined,
    eosToken: config.eos_token ?? special.eos_token ?? undefined,
  };
}

/** The VAE's latent scaling factor (`vae_decoder/config.json`), 0.18215 (SD 1.x/2.x) when the folder has no config. */
export function readVaeScalingFactor(folder: string): number {
  return parse(vaeConfigSchema, readJson(folder, GENERATE_LAYOUT.vaeConfig, true), join(folder, GENERATE_LAYOUT.vaeConfig)).scaling_factor;
}
