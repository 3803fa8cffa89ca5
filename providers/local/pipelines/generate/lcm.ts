import type { SeededNormal } from './random.js';

/**
 * The Latent Consistency Model multistep sampler (Luo et al. 2023, "Latent Consistency Models", arXiv:2310.04378,
 * Algorithm 3; consistency parameterisation from Song et al. 2023, "Consistency Models", arXiv:2303.01469 §3), as
 * diffusers implements it in `schedulers/scheduling_lcm.py` (LCMScheduler) and
 * `pipelines/latent_consistency_models/pipeline_latent_consistency_text2img.py` (guidance embedding).
 */
export interface LcmSchedule {
  timesteps: number[];
}

/**
 * `steps` timesteps picked from the `originalSteps` skipping-step schedule t_k = k·⌊T/originalSteps⌋ − 1, reversed,
 * at evenly spaced indices ⌊linspace(0, originalSteps, steps, endpoint=False)⌋ (`LCMScheduler.set_timesteps`).
 */
export function lcmTimesteps(trainSteps: number, steps: number, originalSteps: number): number[] {
  const k = Math.floor(trainSteps / originalSteps);
  const origin = Array.from({ length: originalSteps }, (_, index) => (originalSteps - index) * k - 1);
  return Array.from({ length: steps }, (_, index) => origin[Math.floor((index * originalSteps) / steps)]!);
}

/** Boundary-condition scalings with σ_data = 0.5 and t scaled by `timestepScaling`: c_skip = σ_d²/(t'² + σ_d²), c_out = t'/√(t'² + σ_d²). */
export function boundaryScalings(timestep: number, timestepScaling: number): { cSkip: number; cOut: number } {
  const sigmaData = 0.5;
  const scaled = timestep * timestepScaling;
  return { cSkip: (sigmaData * sigmaData) / (scaled * scaled + sigmaData * sigmaData), cOut: scaled / Math.sqrt(scaled * scaled + sigmaData * sigmaData) };
}

/**
 * One LCM step for an ε-prediction, in place on `latents`: x₀ = (x − √(1 − ᾱ_t)·ε)/√ᾱ_t; denoised = c_out·x₀ + c_skip·x;
 * then, except at the last step, x ← √ᾱ_prev·denoised + √(1 − ᾱ_prev)·z with z ~ N(0, 1); at the last step x ← denoised.
 */
export function lcmStep(latents: Float32Array, epsilon: Float32Array, alphasCumprod: Float64Array, schedule: LcmSchedule, index: number, timestepScaling: number, noise: SeededNormal): void {
  const t = schedule.timesteps[index]!;
  const last = index === schedule.timesteps.length - 1;
  const alpha = alphasCumprod[t]!;
  const { cSkip, cOut } = boundaryScalings(t, timestepScaling);
  const sqrtAlpha = Math.sqrt(alpha);
  const sqrtBeta = Math.sqrt(1 - alpha);
  for (let i = 0; i < latents.length; i++) {
    const x = latents[i]!;
    const original = (x - sqrtBeta * epsilon[i]!) / sqrtAlpha;
    latents[i] = cOut * original + cSkip * x;
  }
  if (last) return;
  const previous = alphasCumprod[schedule.timesteps[index + 1]!]!;
  const keep = Math.sqrt(previous);
  const add = Math.sqrt(1 - previous);
  for (let i = 0; i < latents.length; i++) latents[i] = keep * latents[i]! + add * noise.next();
}

/**
 * The guidance-scale embedding fed to the UNet's `timestep_cond` (`get_guidance_scale_embedding`, after Imagen's
 * classifier-free guidance form w = guidance_scale − 1): w' = 1000·w, f_k = exp(−k·ln(10000)/(d/2 − 1)) for k < d/2,
 * embedding = [sin(w'·f_0 … f_{d/2−1}), cos(w'·f_0 … f_{d/2−1})].
 */
export function guidanceEmbedding(guidanceScale: number, dimensions: number): Float32Array {
  const w = (guidanceScale - 1) * 1000;
  const half = Math.floor(dimensions / 2);
  const step = Math.log(10000) / (half - 1);
  const embedding = new Float32Array(dimensions);
  for (let k = 0; k < half; k++) {
    const angle = w * Math.exp(-k * step);
    embedding[k] = Math.sin(angle);
    embedding[half + k] = Math.cos(angle);
  }
  return embedding;
}
