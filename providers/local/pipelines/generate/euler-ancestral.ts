import type { SeededNormal } from './random.js';

/**
 * Euler ancestral sampling (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models",
 * arXiv:2206.00364, Algorithm 2 with the ancestral split of k-diffusion's `sample_euler_ancestral`), as diffusers
 * implements it in `schedulers/scheduling_euler_ancestral_discrete.py` (EulerAncestralDiscreteScheduler). SD-Turbo
 * (Sauer et al. 2023, "Adversarial Diffusion Distillation", arXiv:2311.17042) samples with it in 1–4 steps.
 */
export interface EulerSchedule {
  /** The UNet's timestep for each step. */
  timesteps: number[];
  /** σ for each step, then 0. */
  sigmas: number[];
  /** The initial latents' scale: σ_max for `linspace`/`trailing` spacing, √(σ_max² + 1) otherwise (diffusers' `init_noise_sigma`). */
  initNoiseSigma: number;
}

export type TimestepSpacing = 'trailing' | 'leading' | 'linspace';

/** Timesteps for `steps` inference steps out of `trainSteps`, by diffusers' `timestep_spacing` rules (`set_timesteps`). */
export function eulerTimesteps(trainSteps: number, steps: number, spacing: TimestepSpacing, stepsOffset = 0): number[] {
  if (spacing === 'trailing') {
    // np.round(np.arange(T, 0, -T / N)) - 1
    const ratio = trainSteps / steps;
    return Array.from({ length: steps }, (_, index) => Math.round(trainSteps - index * ratio) - 1);
  }
  if (spacing === 'leading') {
    // (np.arange(0, N) * (T // N)).round()[::-1] + steps_offset
    const ratio = Math.floor(trainSteps / steps);
    return Array.from({ length: steps }, (_, index) => (steps - 1 - index) * ratio + stepsOffset);
  }
  // np.linspace(0, T - 1, N)[::-1]
  return Array.from({ length: steps }, (_, index) => (steps === 1 ? 0 : ((trainSteps - 1) * (steps - 1 - index)) / (steps - 1)));
}

/** σ(t) = √((1 − ᾱ_t) / ᾱ_t), linearly interpolated between integer timesteps (diffusers' `np.interp`). */
export function sigmaAt(alphasCumprod: Float64Array, timestep: number): number {
  const sigma = (t: number) => Math.sqrt((1 - alphasCumprod[t]!) / alphasCumprod[t]!);
  const low = Math.floor(timestep);
  const high = Math.min(alphasCumprod.length - 1, Math.ceil(timestep));
  return low === high ? sigma(low) : sigma(low) + (sigma(high) - sigma(low)) * (timestep - low);
}

export function eulerSchedule(alphasCumprod: Float64Array, steps: number, spacing: TimestepSpacing, stepsOffset = 0): EulerSchedule {
  const timesteps = eulerTimesteps(alphasCumprod.length, steps, spacing, stepsOffset);
  const sigmas = [...timesteps.map((t) => sigmaAt(alphasCumprod, t)), 0];
  const max = Math.max(...sigmas);
  return { timesteps, sigmas, initNoiseSigma: spacing === 'leading' ? Math.sqrt(max * max + 1) : max };
}

/** The UNet's input for step `index`: x / √(σ² + 1) (`scale_model_input`). */
export function eulerScaleInput(latents: Float32Array, schedule: EulerSchedule, index: number): Float32Array {
  const sigma = schedule.sigmas[index]!;
  const scale = 1 / Math.sqrt(sigma * sigma + 1);
  const scaled = new Float32Array(latents.length);
  for (let i = 0; i < latents.length; i++) scaled[i] = latents[i]! * scale;
  return scaled;
}

/**
 * One Euler ancestral step for an ε-prediction, in place on `latents`:
 * x₀ = x − σ·ε; σ_up = √(σ_next²·(σ² − σ_next²)/σ²); σ_down = √(σ_next² − σ_up²);
 * x ← x + ((x − x₀)/σ)·(σ_down − σ) + σ_up·z, z ~ N(0, 1) from `noise` (not drawn when σ_up = 0, i.e. the last step).
 */
export function eulerAncestralStep(latents: Float32Array, epsilon: Float32Array, schedule: EulerSchedule, index: number, noise: SeededNormal): void {
  const sigma = schedule.sigmas[index]!;
  const next = schedule.sigmas[index + 1]!;
  const up = Math.sqrt((next * next * (sigma * sigma - next * next)) / (sigma * sigma));
  const down = Math.sqrt(next * next - up * up);
  const dt = down - sigma;
  for (let i = 0; i < latents.length; i++) {
    const x = latents[i]!;
    const original = x - sigma * epsilon[i]!;
    const derivative = (x - original) / sigma;
    latents[i] = x + derivative * dt;
  }
  if (up > 0) for (let i = 0; i < latents.length; i++) latents[i] = latents[i]! + noise.next() * up;
}
