import { describe, expect, it } from 'vitest';
import { maskFromOutput } from '../../providers/local/pipelines/remove-background/mask-from-output.js';
import { tensorizeBatch, tensorizeInto } from '../../providers/local/pipelines/remove-background/tensorize.js';
import { PRESETS, presetProblem, resolvePreset } from '../../providers/local/pipelines/remove-background/presets.js';

/** 2×1 pixels: (10, 20, 30) and (250, 128, 0), interleaved RGB. */
const PIXELS = new Uint8Array([10, 20, 30, 250, 128, 0]);

describe('tensorize', () => {
  it('writes (pixel × scale − mean) / std as planar RGB', () => {
    const preset = resolvePreset({ size: [2, 1], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const out = new Float32Array(6);
    tensorizeInto(PIXELS, preset, out, 0);
    const expected = [10, 250, 20, 128, 30, 0].map((value) => (value / 255 - 0.5) / 0.5);
    expected.forEach((value, index) => expect(out[index]).toBeCloseTo(value, 6));
  });

  it('reverses the channels for BGR presets (SINet: ((x − mean) / std) / 255 in 0–255 units)', () => {
    const preset = resolvePreset(PRESETS.sinet);
    const small = { ...preset, size: [2, 1] as [number, number] };
    const out = new Float32Array(6);
    tensorizeInto(PIXELS, small, out, 0);
    // Plane 0 is blue: ((30 − 102.89) / 62.93) / 255, as the SINet repo computes it.
    expect(out[0]).toBeCloseTo((30 - 102.890434) / 62.93292 / 255, 6);
    expect(out[1]).toBeCloseTo((0 - 102.890434) / 62.93292 / 255, 6);
    // Plane 2 is red.
    expect(out[4]).toBeCloseTo((10 - 126.91212) / 66.355705 / 255, 6);
    expect(out[5]).toBeCloseTo((250 - 126.91212) / 66.355705 / 255, 6);
  });

  it("divides by the image's own maximum for scale 'max' (rembg's quirk)", () => {
    const dim = new Uint8Array([50, 100, 0, 25, 0, 0]);
    const out = new Float32Array(6);
    tensorizeInto(dim, resolvePreset({ size: [2, 1], scale: 'max' }), out, 0);
    expect(Array.from(out)).toEqual([0.5, 0.25, 1, 0, 0, 0]);
  });

  it('applies the IS-Net variants: mean 0.5 std 1 on x/max, and (x − 128) / 256', () => {
    const isnet = { ...resolvePreset(PRESETS.isnet), size: [2, 1] as [number, number] };
    const imgly = { ...resolvePreset(PRESETS['isnet-imgly']), size: [2, 1] as [number, number] };
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    tensorizeInto(PIXELS, isnet, a, 0);
    tensorizeInto(PIXELS, imgly, b, 0);
    expect(a[1]).toBeCloseTo(250 / 250 - 0.5, 6);
    expect(a[0]).toBeCloseTo(10 / 250 - 0.5, 6);
    expect(b[0]).toBeCloseTo((10 - 128) / 256, 6);
    expect(b[3]).toBeCloseTo((128 - 128) / 256, 6);
  });

  it('stacks a batch item after item', () => {
    const preset = resolvePreset({ size: [2, 1], scale: 1 });
    const batch = tensorizeBatch([PIXELS, new Uint8Array([1, 2, 3, 4, 5, 6])], preset);
    expect(Array.from(batch)).toEqual([10, 250, 20, 128, 30, 0, 1, 4, 2, 5, 3, 6]);
  });

  it('rejects pixels of the wrong size', () => {
    expect(() => tensorizeInto(new Uint8Array(5), resolvePreset({ size: [2, 1] }), new Float32Array(6), 0)).toThrow(RangeError);
  });
});

describe('maskFromOutput', () => {
  const full = (spec: Partial<ReturnType<typeof resolvePreset>['output']>) => ({ ...resolvePreset({ size: [2, 1] }).output, ...spec });

  it('picks the channel and clips probabilities to 0–255', () => {
    const output = { data: new Float32Array([0.75, 0.25, 0.25, 1.5]), dims: [1, 2, 1, 2] };
    expect(Array.from(maskFromOutput(output, 0, full({ channel: 1, normalize: 'clip' })).mask)).toEqual([64, 255]);
    expect(Array.from(maskFromOutput(output, 0, full({ channel: 0, normalize: 'clip' })).mask)).toEqual([191, 64]);
  });

  it('applies a sigmoid to logits, then stretches min to 0 and max to 255', () => {
    const output = { data: new Float32Array([-2, 1, 2]), dims: [1, 1, 1, 3] };
    const { mask, width, height } = maskFromOutput(output, 0, full({ activation: 'sigmoid', normalize: 'minmax' }));
    expect([width, height]).toEqual([3, 1]);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    expect(Array.from(mask)).toEqual([0, Math.round(((sigmoid(1) - sigmoid(-2)) / (sigmoid(2) - sigmoid(-2))) * 255), 255]);
    const clipped = maskFromOutput(output, 0, full({ activation: 'sigmoid', normalize: 'clip' })).mask;
    expect(Array.from(clipped)).toEqual([Math.round(255 * sigmoid(-2)), Math.round(255 * sigmoid(1)), Math.round(255 * sigmoid(2))]);
  });

  it('applies a softmax across channels', () => {
    const output = { data: new Float32Array([0, 0, Math.log(3), 0]), dims: [1, 2, 1, 2] };
    expect(Array.from(maskFromOutput(output, 0, full({ channel: 1, activation: 'softmax', normalize: 'clip' })).mask)).toEqual([191, 128]);
  });

  it('reads the right item of a batch and accepts [N, H, W] outputs', () => {
    const output = { data: new Float32Array([0, 0, 1, 0.5]), dims: [2, 1, 2] };
    expect(Array.from(maskFromOutput(output, 1, full({ normalize: 'clip' })).mask)).toEqual([255, 128]);
  });

  it('turns NaN into background and a flat output into an empty mask', () => {
    expect(Array.from(maskFromOutput({ data: new Float32Array([Number.NaN, 1]), dims: [1, 1, 1, 2] }, 0, full({ normalize: 'clip' })).mask)).toEqual([0, 255]);
    expect(Array.from(maskFromOutput({ data: new Float32Array([0.7, 0.7]), dims: [1, 1, 1, 2] }, 0, full({ normalize: 'minmax' })).mask)).toEqual([0, 0]);
  });

  it('throws for a channel the output does not have', () => {
    expect(() => maskFromOutput({ data: new Float32Array(2), dims: [1, 1, 1, 2] }, 0, full({ channel: 1 }))).toThrow(/channel 1/);
  });
});

describe('presets', () => {
  it('match the reference facts', () => {
    expect(PRESETS.birefnet).toMatchObject({ size: [1024, 1024], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], output: { activation: 'sigmoid' } });
    expect(PRESETS.u2net.size).toEqual([320, 320]);
    expect(PRESETS.pphumanseg).toMatchObject({ size: [398, 224], output: { channel: 1 } });
    expect(PRESETS.sinet).toMatchObject({ colorOrder: 'bgr', scale: 1, output: { channel: 1 } });
    for (const preset of Object.values(PRESETS)) expect(presetProblem(preset)).toBeUndefined();
  });

  it('explain what is wrong with a custom preset', () => {
    expect(presetProblem({ size: [0, 10] })).toMatch(/size/);
    expect(presetProblem({ size: [8, 8], std: [1, 0, 1] })).toMatch(/std/);
    expect(presetProblem({ size: [8, 8], colorOrder: 'rgba' })).toMatch(/colorOrder/);
    expect(presetProblem({ size: [8, 8], scale: -1 })).toMatch(/scale/);
    expect(presetProblem({ size: [8, 8], output: { activation: 'relu' } })).toMatch(/activation/);
    expect(presetProblem('u2net')).toMatch(/object/);
  });
});
