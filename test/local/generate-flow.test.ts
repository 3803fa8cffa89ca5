import { describe, expect, it } from 'vitest';
import { denoise, type DenoiseJob, type GenerateModels } from '../../providers/local/pipelines/generate/denoise.js';
import { eulerAncestralStep, eulerScaleInput, eulerSchedule } from '../../providers/local/pipelines/generate/euler-ancestral.js';
import { guidanceEmbedding, lcmStep, lcmTimesteps } from '../../providers/local/pipelines/generate/lcm.js';
import { alphasCumprod } from '../../providers/local/pipelines/generate/noise-schedule.js';
import { seededNormal } from '../../providers/local/pipelines/generate/random.js';
import type { PromptTokenizer } from '../../providers/local/pipelines/generate/tokenizer.js';

// The flow between the networks, with stand-ins that record what they receive: the text encoder's output must
// reach the UNet unchanged (tiled per image), the UNet's ε must drive the scheduler exactly, the VAE must get the
// final latents ÷ the scaling factor, and its output must become the pixels.
const SCHEDULER = {
  className: undefined,
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear' as const,
  timestepSpacing: 'trailing' as const,
  stepsOffset: 0,
  originalInferenceSteps: 50,
  timestepScaling: 10,
};
const tokenizer: PromptTokenizer = { length: 4, padId: 0, encode: () => Int32Array.of(1, 2, 3, 0) };
const HIDDEN = Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8); // [1, 4, 2]

function job(overrides: Partial<DenoiseJob>): DenoiseJob {
  return { pipeline: 'sd-turbo', prompt: 'p', width: 16, height: 8, n: 1, seed: 5, steps: 1, guidanceScale: 8.5, scheduler: SCHEDULER, vaeScalingFactor: 0.5, ...overrides };
}

interface Recorded {
  ids: Int32Array[];
  unet: Array<{ sample: Float32Array; batch: number; timestep: number; hiddenStates: Float32Array; timestepCond: Float32Array | undefined }>;
  decoded: Float32Array[];
}

/** ε = 0.1·sample + 0.01·timestep/1000 (a known prediction); VAE: 3 channels of the latents, 8× upsampled, as [−1, 1]. */
function stubModels(condWidth?: number): { models: GenerateModels; seen: Recorded } {
  const seen: Recorded = { ids: [], unet: [], decoded: [] };
  const models: GenerateModels = {
    timestepCondWidth: condWidth,
    async encodeText(ids) {
      seen.ids.push(ids.slice());
      return HIDDEN.slice();
    },
    async unet(input) {
      seen.unet.push({ ...input, sample: input.sample.slice(), hiddenStates: input.hiddenStates.slice(), timestepCond: input.timestepCond?.slice() });
      return Float32Array.from(input.sample, (value) => 0.1 * value + (0.01 * input.timestep) / 1000);
    },
    async decode(latents, batch) {
      seen.decoded.push(latents.slice());
      const [lw, lh] = [2, 1];
      const out = new Float32Array(batch * 3 * 16 * 8);
      for (let b = 0; b < batch; b++) for (let c = 0; c < 3; c++) for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) {
        out[((b * 3 + c) * 8 + y) * 16 + x] = latents[b * 4 * lw * lh + c * lw * lh + Math.floor(y / 8) * lw + Math.floor(x / 8)]!;
      }
      return out;
    },
  };
  return { models, seen };
}

const alphas = alphasCumprod(SCHEDULER);

describe('denoise: the flow between tokenizer, text encoder, UNet, scheduler and VAE', () => {
  it('SD-Turbo, 2 steps, n = 2: the UNet gets the scaled latents, the tiled hidden states and the trailing timesteps; the VAE gets latents ÷ 0.5', async () => {
    const { models, seen } = stubModels();
    const result = await denoise(job({ n: 2, steps: 2 }), tokenizer, models, () => false);
    expect(seen.ids).toEqual([Int32Array.of(1, 2, 3, 0)]);
    expect(seen.unet.map((call) => [call.timestep, call.batch])).toEqual([[999, 2], [499, 2]]);
    expect(Array.from(seen.unet[0]!.hiddenStates)).toEqual([...HIDDEN, ...HIDDEN]);
    expect(seen.unet[0]!.timestepCond).toBeUndefined();

    // The same steps, by hand, per image with its own generator (seed + i).
    const schedule = eulerSchedule(alphas, 2, 'trailing');
    const perImage = 4 * 1 * 2;
    const expected = [0, 1].map((item) => {
      const noise = seededNormal(5 + item);
      const x = Float32Array.from({ length: perImage }, () => noise.next() * schedule.initNoiseSigma);
      for (let index = 0; index < 2; index++) {
        const input = eulerScaleInput(x, schedule, index);
        expect(Array.from(seen.unet[index]!.sample.subarray(item * perImage, (item + 1) * perImage))).toEqual(Array.from(input));
        eulerAncestralStep(x, Float32Array.from(input, (v) => 0.1 * v + (0.01 * schedule.timesteps[index]!) / 1000), schedule, index, noise);
      }
      return x;
    });
    expect(Array.from(seen.decoded[0]!)).toEqual([...expected[0]!, ...expected[1]!].map((v) => Math.fround(v / 0.5)));
    // Pixels: clamp(x/2 + 0.5)·255 of the VAE's output.
    expect(result.images).toHaveLength(2);
    const first = seen.decoded[0]![0]!;
    expect(result.images[0]![0]).toBe(Math.round(Math.min(1, Math.max(0, first / 2 + 0.5)) * 255));
    expect(result.timings.unetStepsMs).toHaveLength(2);
  });

  it('LCM, 4 steps: no input scaling, the guidance embedding (w = 8.5 − 1) as timestep_cond, LCM timesteps', async () => {
    const { models, seen } = stubModels(8);
    await denoise(job({ pipeline: 'lcm', steps: 4 }), tokenizer, models, () => false);
    expect(seen.unet.map((call) => call.timestep)).toEqual([999, 759, 499, 259]);
    expect(Array.from(seen.unet[0]!.timestepCond!)).toEqual(Array.from(guidanceEmbedding(8.5, 8)));
    const noise = seededNormal(5);
    const x = noise.fill(8);
    const schedule = { timesteps: lcmTimesteps(1000, 4, 50) };
    for (let index = 0; index < 4; index++) {
      expect(Array.from(seen.unet[index]!.sample)).toEqual(Array.from(x));
      lcmStep(x, Float32Array.from(x, (v) => 0.1 * v + (0.01 * schedule.timesteps[index]!) / 1000), alphas, schedule, index, 10, noise);
    }
    expect(Array.from(seen.decoded[0]!)).toEqual(Array.from(x, (v) => Math.fround(v / 0.5)));
  });

  it('stops before the next network run once cancelled, with an aborted failure', async () => {
    const { models, seen } = stubModels();
    let runs = 0;
    const counting: GenerateModels = { ...models, unet: async (input) => (runs++, models.unet(input)) };
    await expect(denoise(job({ steps: 4 }), tokenizer, counting, () => runs >= 1)).rejects.toMatchObject({ code: 'aborted' });
    expect(runs).toBe(1);
    expect(seen.decoded).toHaveLength(0);
  });

  it('an LCM run without a timestep_cond input, and a UNet that returns NaN, fail with what is wrong', async () => {
    await expect(denoise(job({ pipeline: 'lcm' }), tokenizer, stubModels().models, () => false)).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringMatching(/timestep_cond/) });
    const { models } = stubModels();
    await expect(denoise(job({}), tokenizer, { ...models, unet: async ({ sample }) => new Float32Array(sample.length).fill(NaN) }, () => false)).rejects.toMatchObject({ code: 'bad_response', message: expect.stringMatching(/non-finite latents/) });
  });
});
