/**
 * The training noise schedule shared by the SD 1.x/2.x schedulers: betas from `scheduler_config.json`, then
 * ᾱ_t = ∏_{s≤t} (1 − β_s). Formulas: Ho et al. 2020 (DDPM, arXiv:2006.11239) §2; `scaled_linear` is Stable
 * Diffusion's, as diffusers computes it in `schedulers/scheduling_euler_ancestral_discrete.py` and `scheduling_lcm.py`
 * (`torch.linspace(beta_start**0.5, beta_end**0.5, T) ** 2`).
 */
export interface NoiseScheduleConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: 'scaled_linear' | 'linear';
}

/** Evenly spaced values from `start` to `end` inclusive (numpy's `linspace`). */
export function linspace(start: number, end: number, count: number): number[] {
  if (count === 1) return [start];
  return Array.from({ length: count }, (_, index) => start + ((end - start) * index) / (count - 1));
}

/** ᾱ_t for t = 0 … T−1 (float64: the reference computes in float32, the difference is below 1e-6 relative). */
export function alphasCumprod(config: NoiseScheduleConfig): Float64Array {
  const { numTrainTimesteps: count, betaStart, betaEnd } = config;
  const betas = config.betaSchedule === 'scaled_linear' ? linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), count).map((root) => root * root) : linspace(betaStart, betaEnd, count);
  const result = new Float64Array(count);
  let product = 1;
  for (let t = 0; t < count; t++) {
    product *= 1 - betas[t]!;
    result[t] = product;
  }
  return result;
}
