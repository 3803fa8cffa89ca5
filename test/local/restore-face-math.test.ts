import { describe, expect, it } from 'vitest';
import { applyAffine, cropBoundsInImage, invertAffine, similarityFromPoints, type Affine, type Point } from '../../providers/local/pipelines/restore-face/affine.js';
import { boxMask } from '../../providers/local/pipelines/restore-face/box-mask.js';
import { iou, nms, type FaceDetection } from '../../providers/local/pipelines/restore-face/detections.js';
import { pasteBack } from '../../providers/local/pipelines/restore-face/paste-back.js';
import { cropFromOutput, cropTensor } from '../../providers/local/pipelines/restore-face/restore-faces.js';
import { samplesFor, warpAffine, type Pixels } from '../../providers/local/pipelines/restore-face/warp.js';
import { decodeYunet, YUNET_OUTPUTS, YUNET_STRIDES } from '../../providers/local/pipelines/restore-face/yunet.js';
import { FACE_PRESETS, resolveFacePreset } from '../../providers/local/pipelines/restore-face/presets.js';

const FFHQ_512_PIXELS: Point[] = [[192.98138, 239.94708], [318.90277, 240.1936], [256.63416, 314.01935], [201.26117, 371.41043], [313.08905, 371.15118]];

/** A similarity with rotation θ, scale s and translation (tx, ty). */
function similarity(theta: number, s: number, tx: number, ty: number): Affine {
  return [s * Math.cos(theta), -s * Math.sin(theta), tx, s * Math.sin(theta), s * Math.cos(theta), ty];
}

function expectAffine(actual: Affine, expected: Affine, digits = 9): void {
  actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, digits));
}

/** A smooth RGB test image (no edges a bilinear resample would blur much). */
function smoothImage(width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round(127 + 100 * Math.sin(x / 9));
      data[i + 1] = Math.round(127 + 100 * Math.cos(y / 7));
      data[i + 2] = Math.round((x + y) % 256);
    }
  }
  return { data, width, height, channels: 3 };
}

describe('face alignment math', () => {
  it('recovers a known rotation, scale and translation exactly from five points (Umeyama similarity)', () => {
    const truth = similarity(0.3, 1.7, 40, -12);
    const from: Point[] = [[10, 20], [60, 22], [35, 50], [15, 80], [58, 79]];
    const to = from.map((p) => applyAffine(truth, p));
    expectAffine(similarityFromPoints(from, to), truth);
    // A reflection is not a similarity: mirrored targets do not come back as a mirror.
    const mirrored = to.map(([x, y]): Point => [-x, y]);
    const fit = similarityFromPoints(from, mirrored);
    expect(fit[0] * fit[4] - fit[1] * fit[3]).toBeGreaterThanOrEqual(0);
  });

  it('maps landmarks onto the ffhq_512 template for the built-in presets', () => {
    const preset = resolveFacePreset(FACE_PRESETS.gfpgan);
    expect(preset.size).toBe(512);
    preset.template.forEach((point, index) => {
      expect(point[0]).toBeCloseTo(FFHQ_512_PIXELS[index]![0], 3);
      expect(point[1]).toBeCloseTo(FFHQ_512_PIXELS[index]![1], 3);
    });
    expect(resolveFacePreset(FACE_PRESETS.codeformer).weightInput).toBe('weight');
    const truth = similarity(-0.2, 0.25, 100, 80); // a face about 128 px wide, tilted
    const landmarks = preset.template.map((p) => applyAffine(invertAffine(truth), p));
    expectAffine(similarityFromPoints(landmarks, preset.template), truth, 6);
  });

  it('inverts a transform: forward then inverse is the identity', () => {
    const m = similarity(1.1, 0.6, -30, 77);
    const inverse = invertAffine(m);
    for (const point of [[0, 0], [12.5, -3], [400, 250]] as Point[]) {
      const back = applyAffine(inverse, applyAffine(m, point));
      expect(back[0]).toBeCloseTo(point[0], 9);
      expect(back[1]).toBeCloseTo(point[1], 9);
    }
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(RangeError);
  });

  it('warps an image by the identity into itself', () => {
    const image = smoothImage(40, 30);
    const out = warpAffine(image, [1, 0, 0, 0, 1, 0], 40, 30);
    expect(Array.from(out)).toEqual(Array.from(image.data));
  });

  it('replicates the border when sampling outside the image', () => {
    const image: Pixels = { data: Uint8Array.of(10, 200), width: 2, height: 1, channels: 1 };
    const out = warpAffine(image, [1, 0, -3, 0, 1, 0], 6, 1); // reads x − 3
    expect(Array.from(out)).toEqual([10, 10, 10, 10, 200, 200]);
  });

  it('warp then inverse warp gives the original back in the interior', () => {
    const image = smoothImage(120, 100);
    const m = similarity(0.25, 1.3, 10, -5); // image → warped
    const warped: Pixels = { data: warpAffine(image, invertAffine(m), 200, 200), width: 200, height: 200, channels: 3 };
    const back = warpAffine(warped, m, 120, 100);
    let worst = 0;
    for (let y = 25; y < 75; y++) {
      for (let x = 25; x < 95; x++) {
        for (let c = 0; c < 2; c++) worst = Math.max(worst, Math.abs(back[(y * 120 + x) * 3 + c]! - image.data[(y * 120 + x) * 3 + c]!));
      }
    }
    expect(worst).toBeLessThan(6);
  });

  it('averages over the footprint when shrinking, so a fine pattern does not alias', () => {
    const data = new Uint8Array(64 * 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data[y * 64 + x] = (x + y) % 2 === 0 ? 255 : 0;
    const image: Pixels = { data, width: 64, height: 64, channels: 1 };
    const shrink: Affine = [4, 0, 1, 0, 4, 1]; // output pixel u is centred on source 4u + 1 and covers 4 source pixels
    expect(samplesFor(shrink)).toBe(4);
    expect(samplesFor([0.5, 0, 0, 0, 0.5, 0])).toBe(1);
    const aliased = warpAffine(image, shrink, 16, 16);
    const averaged = warpAffine(image, shrink, 16, 16, samplesFor(shrink));
    expect(Math.max(...aliased.map((value) => Math.abs(value - 127.5)))).toBeGreaterThan(100);
    expect(Math.max(...averaged.map((value) => Math.abs(value - 127.5)))).toBeLessThan(20);
  });

  it('bounds the crop inside the image and clips it', () => {
    const cropToImage = invertAffine(similarity(0, 2, -100, -50)); // crop pixel u ↦ image (u + 100) / 2
    expect(cropBoundsInImage(cropToImage, 100, 1000, 1000)).toEqual([50, 25, 101, 76]);
    expect(cropBoundsInImage(cropToImage, 100, 80, 60)).toEqual([50, 25, 80, 60]);
  });

  it('builds a soft box mask: 1 in the middle, 0 at the edge, symmetric', () => {
    const mask = boxMask(512);
    expect(mask[256 * 512 + 256]).toBeCloseTo(1, 3);
    expect(mask[0]).toBeLessThan(0.01);
    expect(mask[256 * 512]).toBeLessThan(0.05);
    expect(mask[100 * 512 + 30]).toBeCloseTo(mask[100 * 512 + 481]!, 6);
  });

  it('pastes a crop back through the inverse transform only inside its box, with blend', () => {
    const width = 64;
    const height = 64;
    const image = new Uint8Array(width * height * 4).fill(100);
    const size = 32;
    const imageToCrop: Affine = [1, 0, -16, 0, 1, -16]; // the crop covers image pixels 16..47
    const crop = new Float32Array(size * size * 3).fill(200);
    const mask = new Float32Array(size * size).fill(1);
    pasteBack({ image, width, height, crop, mask, size, imageToCrop, cropToImage: invertAffine(imageToCrop), blend: 0.5 });
    const at = (x: number, y: number, c = 0) => image[(y * width + x) * 4 + c];
    expect(at(30, 30)).toBe(150);
    expect(at(30, 30, 3)).toBe(100); // alpha untouched
    expect(at(5, 5)).toBe(100);
    expect(at(60, 30)).toBe(100);
  });

  it('turns crops into [−1, 1] tensors and outputs back into 0..255', () => {
    const rgba = Float32Array.of(0, 127.5, 255, 9);
    expect(Array.from(cropTensor(rgba, 1))).toEqual([-1, 0, 1]);
    expect(Array.from(cropFromOutput(Float32Array.of(-3, 0, 0.5), 1))).toEqual([0, 127.5, 191.25]);
  });
});

describe('face detection decoding', () => {
  const face = (box: FaceDetection['box'], score: number): FaceDetection => ({ box, score, landmarks: [[0, 0], [1, 0], [0.5, 0.5], [0, 1], [1, 1]] });

  it('computes IoU and keeps the best of overlapping boxes (NMS)', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 9);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    const kept = nms([face([0, 0, 10, 10], 0.7), face([1, 0, 11, 10], 0.9), face([50, 50, 60, 60], 0.6), face([6, 0, 16, 10], 0.8), face([5, 0, 15, 10], 0.75)], 0.4);
    expect(kept.map((f) => f.score)).toEqual([0.9, 0.8, 0.6]);
  });

  it('decodes YuNet outputs: score = √(cls·obj), box from the cell and exp sizes, landmarks from the cell', () => {
    const size = 64;
    const outputs: Record<string, { data: Float32Array }> = {};
    for (const stride of YUNET_STRIDES) {
      const cells = (size / stride) ** 2;
      outputs[`cls_${stride}`] = { data: new Float32Array(cells) };
      outputs[`obj_${stride}`] = { data: new Float32Array(cells) };
      outputs[`bbox_${stride}`] = { data: new Float32Array(cells * 4) };
      outputs[`kps_${stride}`] = { data: new Float32Array(cells * 10) };
    }
    expect(Object.keys(outputs).sort()).toEqual([...YUNET_OUTPUTS].sort());
    // Stride 16 (a 4×4 grid): the cell at row 1, column 2.
    const i = 1 * 4 + 2;
    outputs.cls_16!.data[i] = 0.9;
    outputs.obj_16!.data[i] = 0.9;
    outputs.bbox_16!.data.set([0.5, 0.25, Math.log(2), Math.log(3)], i * 4);
    outputs.kps_16!.data.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
    // A weak one (√(0.5·0.4) ≈ 0.447) under the threshold, on stride 8.
    outputs.cls_8!.data[0] = 0.5;
    outputs.obj_8!.data[0] = 0.4;
    const faces = decodeYunet(outputs, size, size, 0.5);
    expect(faces).toHaveLength(1);
    const found = faces[0]!;
    expect(found.score).toBeCloseTo(0.9, 6);
    // centre ((2 + 0.5) × 16, (1 + 0.25) × 16) = (40, 20); size (32, 48)
    expect(found.box.map((v) => Math.round(v * 1000) / 1000)).toEqual([24, -4, 56, 44]);
    expect(found.landmarks[0]).toEqual([32, 16]);
    expect(found.landmarks[1]).toEqual([48, 16]);
    expect(found.landmarks[2]).toEqual([40, 24]);
    expect(found.landmarks[4]).toEqual([48, 32]);
    expect(() => decodeYunet({}, size, size, 0.5)).toThrow(/not a YuNet model/);
  });
});
