/**
 * Preprocessing presets: how a segmentation model wants its input and how its output becomes a mask.
 * Facts from the research notes (shared/reference/local-models.md) §1 (rembg sessions, IS-Net, BiRefNet, MODNet, @imgly) and
 * the fixture models' SOURCES.md (SINet, PP-HumanSeg).
 */

/** How one output tensor becomes a 0–255 mask. */
export interface MaskOutputSpec {
  /** Which model output to read. @default 0 */
  index?: number;
  /** Which channel of that `[N, C, H, W]` output holds the foreground. @default 0 */
  channel?: number;
  /** Applied to the channel's values: `sigmoid` for logits, `softmax` across channels, `none` for probabilities. @default 'none' */
  activation?: 'sigmoid' | 'softmax' | 'none';
  /** `minmax` stretches the mask to 0..1 (rembg); `clip` clamps it to 0..1. @default 'minmax' */
  normalize?: 'minmax' | 'clip';
}

/**
 * A preprocessing preset. Each input value is `(pixel × scale − mean[c]) / std[c]` with `c` in `colorOrder`,
 * laid out as a float32 `[N, 3, height, width]` tensor.
 */
export interface Preset {
  /** Model input `[width, height]`; the image is resized to it without keeping the aspect ratio. */
  size: [number, number];
  /** Channel order of the input tensor. @default 'rgb' */
  colorOrder?: 'rgb' | 'bgr';
  /** Multiplier applied to 0–255 pixels first; `'max'` divides by the image's brightest value (rembg). @default 1/255 */
  scale?: number | 'max';
  /** Per-channel mean, in `colorOrder`, after scaling. @default [0, 0, 0] */
  mean?: [number, number, number];
  /** Per-channel standard deviation, in `colorOrder`, after scaling. @default [1, 1, 1] */
  std?: [number, number, number];
  /** How the output becomes a mask. @default { index: 0, channel: 0, activation: 'none', normalize: 'minmax' } */
  output?: MaskOutputSpec;
}

/** A preset with every default filled in: what the worker computes with. */
export interface ResolvedPreset {
  size: [number, number];
  colorOrder: 'rgb' | 'bgr';
  scale: number | 'max';
  mean: [number, number, number];
  std: [number, number, number];
  output: Required<MaskOutputSpec>;
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** The built-in presets, by id. */
export const PRESETS = {
  /** BiRefNet (rembg `birefnet-*`): 1024², ImageNet mean/std on x/max, sigmoid on the logits, min-max. */
  birefnet: { size: [1024, 1024], scale: 'max', mean: IMAGENET_MEAN, std: IMAGENET_STD, output: { activation: 'sigmoid', normalize: 'minmax' } },
  /** BRIA RMBG-2.0 (rembg `bria-rmbg`, BiRefNet architecture): 1024², ImageNet on x/max, output already a probability, min-max. */
  rmbg2: { size: [1024, 1024], scale: 'max', mean: IMAGENET_MEAN, std: IMAGENET_STD, output: { normalize: 'minmax' } },
  /** IS-Net (rembg `isnet-general-use`): 1024², mean 0.5 std 1 on x/max, min-max. */
  isnet: { size: [1024, 1024], scale: 'max', mean: [0.5, 0.5, 0.5], std: [1, 1, 1], output: { normalize: 'minmax' } },
  /** IS-Net as @imgly/background-removal feeds it: (x − 128) / 256, output already a probability (no min-max). */
  'isnet-imgly': { size: [1024, 1024], scale: 1, mean: [128, 128, 128], std: [256, 256, 256], output: { normalize: 'clip' } },
  /** U²-Net and U²-Netp (rembg `u2net`, `u2netp`, `u2net_human_seg`, `silueta`): 320², ImageNet mean/std on x/max, output 0, min-max. */
  u2net: { size: [320, 320], scale: 'max', mean: IMAGENET_MEAN, std: IMAGENET_STD, output: { index: 0, normalize: 'minmax' } },
  /** MODNet portrait matting (facefusion's export): 512², (x/255 − 0.5)/0.5, matte already in 0..1. */
  modnet: { size: [512, 512], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], output: { normalize: 'clip' } },
  /**
   * SINet portrait segmentation (anilsathyan7/Portrait-Segmentation `SINet/sinet_video.py` and `sinet.cpp`): 320², BGR,
   * `((x − mean) / std) / 255` with mean and std in 0–255 units (the extra /255 is the repo's, and the model needs it),
   * softmax output, channel 1 = person.
   */
  sinet: {
    size: [320, 320],
    colorOrder: 'bgr',
    scale: 1,
    mean: [102.890434, 111.25247, 126.91212],
    std: [62.93292 * 255, 62.82138 * 255, 66.355705 * 255],
    output: { channel: 1, activation: 'none', normalize: 'clip' },
  },
  /** PP-HumanSeg-Lite portrait (PaddleSeg, with softmax): 398×224, (x/255 − 0.5)/0.5, channel 1. */
  pphumanseg: { size: [398, 224], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], output: { channel: 1, activation: 'none', normalize: 'clip' } },
} satisfies Record<string, Preset>;

export type PresetId = keyof typeof PRESETS;

/** Fills in a preset's defaults. */
export function resolvePreset(preset: Preset): ResolvedPreset {
  return {
    size: [preset.size[0], preset.size[1]],
    colorOrder: preset.colorOrder ?? 'rgb',
    scale: preset.scale ?? 1 / 255,
    mean: preset.mean ?? [0, 0, 0],
    std: preset.std ?? [1, 1, 1],
    output: {
      index: preset.output?.index ?? 0,
      channel: preset.output?.channel ?? 0,
      activation: preset.output?.activation ?? 'none',
      normalize: preset.output?.normalize ?? 'minmax',
    },
  };
}

/** Why a preset cannot be used, or undefined when it is fine. */
export function presetProblem(preset: unknown): string | undefined {
  if (typeof preset !== 'object' || preset === null) return 'a preset must be a preset id or an object';
  const candidate = preset as Preset;
  const positiveInt = (value: unknown) => Number.isInteger(value) && (value as number) > 0 && (value as number) <= 8192;
  if (!Array.isArray(candidate.size) || candidate.size.length !== 2 || !candidate.size.every(positiveInt)) return 'size must be [width, height] in whole pixels (1..8192)';
  if (candidate.colorOrder !== undefined && candidate.colorOrder !== 'rgb' && candidate.colorOrder !== 'bgr') return "colorOrder must be 'rgb' or 'bgr'";
  if (candidate.scale !== undefined && candidate.scale !== 'max' && !(typeof candidate.scale === 'number' && Number.isFinite(candidate.scale) && candidate.scale > 0)) return "scale must be a positive number or 'max'";
  for (const key of ['mean', 'std'] as const) {
    const value = candidate[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 3 && value.every((item) => typeof item === 'number' && Number.isFinite(item)))) return `${key} must be three numbers`;
  }
  if (candidate.std?.some((item) => item === 0)) return 'std must not contain 0';
  const output = candidate.output;
  if (output !== undefined) {
    if (typeof output !== 'object' || output === null) return 'output must be an object';
    if (output.index !== undefined && !(Number.isInteger(output.index) && output.index >= 0)) return 'output.index must be a whole number';
    if (output.channel !== undefined && !(Number.isInteger(output.channel) && output.channel >= 0)) return 'output.channel must be a whole number';
    if (output.activation !== undefined && !['sigmoid', 'softmax', 'none'].includes(output.activation)) return "output.activation must be 'sigmoid', 'softmax' or 'none'";
    if (output.normalize !== undefined && !['minmax', 'clip'].includes(output.normalize)) return "output.normalize must be 'minmax' or 'clip'";
  }
  return undefined;
}

export function isPresetId(value: unknown): value is PresetId {
  return typeof value === 'string' && Object.hasOwn(PRESETS, value);
}
