import { describe, expect, it } from 'vitest';
import { eulerAncestralStep, eulerScaleInput, eulerSchedule, eulerTimesteps } from '../../providers/local/pipelines/generate/euler-ancestral.js';
import { fromHalf, toHalf } from '../../providers/local/pipelines/generate/float16.js';
import { boundaryScalings, guidanceEmbedding, lcmStep, lcmTimesteps } from '../../providers/local/pipelines/generate/lcm.js';
import { alphasCumprod } from '../../providers/local/pipelines/generate/noise-schedule.js';
import { seededNormal, type SeededNormal } from '../../providers/local/pipelines/generate/random.js';

// Expected values computed by hand from the formulas (numpy, float64) for SD's scaled_linear schedule
// (β from 0.00085 to 0.012, T = 1000), one latent value x = 1 with ε = 0.5 at every step and noise z = 0.25.
const SD = { numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear' } as const;
const alphas = alphasCumprod(SD);
/** A "generator" that always draws 0.25, so each step's expected value is a closed form. */
const constantNoise: SeededNormal = { next: () => 0.25, fill: (count) => new Float32Array(count).fill(0.25) };

describe('noise schedule', () => {
  it('ᾱ_t for scaled_linear betas', () => {
    expect(alphas).toHaveLength(1000);
    expect(alphas[999]).toBeCloseTo(0.004660098513077238, 12);
    expect(alphas[759]).toBeCloseTo(0.05221292829431006, 12);
    expect(alphas[499]).toBeCloseTo(0.27766965045646763, 12);
    expect(alphasCumprod({ ...SD, betaSchedule: 'linear', betaStart: 0.1, betaEnd: 0.1, numTrainTimesteps: 3 })[2]).toBeCloseTo(0.9 ** 3, 12);
  });
});

describe('Euler ancestral (SD-Turbo)', () => {
  it('trailing timesteps and σ for 1, 2 and 4 steps; leading and linspace spacing', () => {
    expect(eulerSchedule(alphas, 1, 'trailing')).toMatchObject({ timesteps: [999] });
    const sigmas = (steps: number) => eulerSchedule(alphas, steps, 'trailing').sigmas.map((sigma) => Number(sigma.toFixed(6)));
    expect(sigmas(1)).toEqual([14.614641, 0]);
    expect(eulerSchedule(alphas, 2, 'trailing').timesteps).toEqual([999, 499]);
    expect(sigmas(2)).toEqual([14.614641, 1.612886, 0]);
    expect(eulerSchedule(alphas, 4, 'trailing').timesteps).toEqual([999, 749, 499, 249]);
    expect(sigmas(4)).toEqual([14.614641, 4.081729, 1.612886, 0.693205, 0]);
    expect(eulerSchedule(alphas, 4, 'trailing').initNoiseSigma).toBeCloseTo(14.614641, 5);
    expect(eulerTimesteps(1000, 4, 'leading', 1)).toEqual([751, 501, 251, 1]);
    expect(eulerTimesteps(1000, 4, 'linspace')).toEqual([999, 666, 333, 0]);
    // leading spacing scales the initial noise by √(σ_max² + 1)
    const leading = eulerSchedule(alphas, 4, 'leading', 1);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(leading.sigmas[0]! ** 2 + 1), 10);
  });

  it('the model input is x / √(σ² + 1)', () => {
    const schedule = eulerSchedule(alphas, 1, 'trailing');
    expect(eulerScaleInput(Float32Array.of(1, -2), schedule, 0)[1]).toBeCloseTo(-2 * 0.0682649142171675, 6);
  });

  it.each([
    [1, [-6.3073206146668195]],
    [2, [-5.817562262506483, -6.624005359658421]],
    [4, [-4.757500704841416, -6.109294805658083, -6.610292539323798, -6.956894989143143]],
  ])('%i step(s) from x = 1 with ε = 0.5 give the hand-computed values', (steps, expected) => {
    const schedule = eulerSchedule(alphas, steps, 'trailing');
    const latents = Float32Array.of(1);
    const seen = expected.map((_, index) => {
      eulerAncestralStep(latents, Float32Array.of(0.5), schedule, index, constantNoise);
      return latents[0]!;
    });
    seen.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 4));
  });

  it('draws no noise at the last step (σ_next = 0), so one step is deterministic', () => {
    let draws = 0;
    const counting: SeededNormal = { next: () => (draws++, 0), fill: () => new Float32Array() };
    eulerAncestralStep(Float32Array.of(1, 2), Float32Array.of(0, 0), eulerSchedule(alphas, 1, 'trailing'), 0, counting);
    expect(draws).toBe(0);
    eulerAncestralStep(Float32Array.of(1, 2), Float32Array.of(0, 0), eulerSchedule(alphas, 2, 'trailing'), 0, counting);
    expect(draws).toBe(2);
  });
});

describe('LCM', () => {
  it('timesteps from the 50-step skipping schedule for 1, 2, 4 and 8 steps', () => {
    expect(lcmTimesteps(1000, 1, 50)).toEqual([999]);
    expect(lcmTimesteps(1000, 2, 50)).toEqual([999, 499]);
    expect(lcmTimesteps(1000, 4, 50)).toEqual([999, 759, 499, 259]);
    expect(lcmTimesteps(1000, 8, 50)).toEqual([999, 879, 759, 639, 499, 379, 259, 139]);
  });

  it('boundary scalings: c_skip = 0.25/(t′² + 0.25), c_out = t′/√(t′² + 0.25) with t′ = 10t', () => {
    expect(boundaryScalings(0, 10)).toEqual({ cSkip: 1, cOut: 0 });
    const { cSkip, cOut } = boundaryScalings(1, 10);
    expect(cSkip).toBeCloseTo(0.25 / 100.25, 12);
    expect(cOut).toBeCloseTo(10 / Math.sqrt(100.25), 12);
  });

  it.each([
    [1, [7.341492923163832]],
    [2, [4.0810284072260545, 6.938271380731341]],
    [4, [1.9209279204807272, 3.5197600191526623, 4.913643812689416, 5.693287334073706]],
  ])('%i step(s) from x = 1 with ε = 0.5 give the hand-computed values', (steps, expected) => {
    const schedule = { timesteps: lcmTimesteps(1000, steps, 50) };
    const latents = Float32Array.of(1);
    expected.forEach((value, index) => {
      lcmStep(latents, Float32Array.of(0.5), alphas, schedule, index, 10, constantNoise);
      expect(latents[0]).toBeCloseTo(value, 4);
    });
  });

  it('the guidance embedding of w = 8.5 − 1 (diffusers get_guidance_scale_embedding), 8 wide', () => {
    const expected = [-0.8512358993460261, 0.56267825340027, -0.43523286424442414, 0.6816387600233337, -0.524783234930921, -0.8266759843798667, -0.9003179182275529, 0.7316888688738213];
    Array.from(guidanceEmbedding(8.5, 8)).forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 5));
    // guidance 1 means w = 0: sin 0 = 0, cos 0 = 1
    expect(Array.from(guidanceEmbedding(1, 4))).toEqual([0, 0, 1, 1]);
  });
});

describe('seeded noise', () => {
  it('the same seed gives the same numbers, another seed others; they look like N(0, 1)', () => {
    const a = seededNormal(123).fill(20_000);
    expect(Array.from(seededNormal(123).fill(20_000))).toEqual(Array.from(a));
    expect(Array.from(seededNormal(124).fill(8))).not.toEqual(Array.from(a.subarray(0, 8)));
    const mean = a.reduce((sum, value) => sum + value, 0) / a.length;
    const variance = a.reduce((sum, value) => sum + (value - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('is pinned: these first values never change between versions (a change would change every seeded image)', () => {
    expect(Array.from(seededNormal(0).fill(3)).map((value) => Number(value.toFixed(5)))).toMatchInlineSnapshot(`
      [
        -0.04293,
        0.48817,
        -1.37346,
      ]
    `);
  });
});

describe('float16', () => {
  it('converts exactly representable values both ways, rounds to nearest even, handles the edges', () => {
    for (const value of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, -0.333251953125]) expect(fromHalf(toHalf(value))).toBe(value);
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway: to even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    expect(fromHalf(toHalf(2 ** -26))).toBe(0);
    expect(fromHalf(toHalf(3 * 2 ** -25))).toBe(2 ** -23); // subnormal, rounded up
  });
});
