import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { eyeDistance, type FaceDetection } from '../../providers/local/pipelines/restore-face/detections.js';
import { detectFaces, type FaceModels } from '../../providers/local/pipelines/restore-face/restore-faces.js';
import type { YunetOutputs } from '../../providers/local/pipelines/restore-face/yunet.js';
import { decodeImage } from '../../providers/local/pipelines/image-io.js';
import { DETECTOR_SIZE, detectorInput } from '../../providers/local/pipelines/restore-face/pipeline.js';
import { resolveFacePreset, FACE_PRESETS } from '../../providers/local/pipelines/restore-face/presets.js';
import type { RestoreFacesMessage } from '../../providers/local/pool/protocol.js';
import { REPO_FIXTURES, SHARED_IMAGES, SHARED_MODELS } from './helpers/worker-build.js';
import { existingFixtures, missingFixtures } from '../helpers/shared.js';

const YUNET = join(SHARED_MODELS, 'face_detection_yunet_2023mar.onnx');
const HAVE_YUNET = !missingFixtures(YUNET);

const FACES = existingFixtures([join(SHARED_IMAGES, 'xmorph_face1.png'), join(SHARED_IMAGES, 'xmorph_face2.png'), join(REPO_FIXTURES, 'skimage_astronaut.png')]);

let models: FaceModels;

beforeAll(async () => {
  if (!HAVE_YUNET) return;
  const session = await ort.InferenceSession.create(YUNET, { logSeverityLevel: 3 });
  models = {
    async detect(tensor, size) {
      const results = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', tensor, [1, 3, size, size]) });
      const outputs: YunetOutputs = {};
      for (const [name, value] of Object.entries(results)) outputs[name] = { data: value.data as Float32Array };
      return outputs;
    },
    restore: () => Promise.reject(new Error('not used')),
  };
});

/** Detects faces in a photo file the way the worker does (same detector input, decoding, NMS and scaling). */
async function detect(path: string): Promise<{ faces: FaceDetection[]; width: number; height: number }> {
  const image = await decodeImage(sharp, readFileSync(path), 'test', 50_000_000);
  const input = await detectorInput(sharp, image);
  const message = {
    detectorInput: input.rgb,
    detectorSize: DETECTOR_SIZE,
    detectorScale: input.scale,
    scoreThreshold: 0.5,
    nmsThreshold: 0.4,
    preset: resolveFacePreset(FACE_PRESETS.gfpgan),
  } as RestoreFacesMessage;
  return { faces: await detectFaces(message, models), width: image.width, height: image.height };
}

const inside = (face: FaceDetection, [x, y]: [number, number]) => x >= face.box[0] && x <= face.box[2] && y >= face.box[1] && y <= face.box[3];

describe.skipIf(!HAVE_YUNET)('the real YuNet detector (shared fixture model)', () => {
  it.each(FACES)('finds exactly one face with plausible landmarks in %s', async (path) => {
    const { faces, width, height } = await detect(path);
    expect(faces).toHaveLength(1);
    const face = faces[0]!;
    expect(face.score).toBeGreaterThanOrEqual(0.5);
    const [leftEye, rightEye, nose, leftMouth, rightMouth] = face.landmarks;
    expect(leftEye[0]).toBeLessThan(rightEye[0]);
    expect(leftMouth[0]).toBeLessThan(rightMouth[0]);
    expect(Math.max(leftEye[1], rightEye[1])).toBeLessThan(nose[1]);
    expect(nose[1]).toBeLessThan(Math.min(leftMouth[1], rightMouth[1]));
    expect(nose[0]).toBeGreaterThan(leftEye[0]);
    expect(nose[0]).toBeLessThan(rightEye[0]);
    for (const point of face.landmarks) expect(inside(face, point)).toBe(true);
    expect(face.box[2] - face.box[0]).toBeGreaterThan(width * 0.1);
    expect(face.box[3]).toBeLessThanOrEqual(height * 1.05);
    expect(eyeDistance(face)).toBeGreaterThan(16);
  });

  it('finds no face in a photo of a coffee cup', async () => {
    const { faces } = await detect(join(REPO_FIXTURES, 'skimage_coffee.png'));
    expect(faces).toEqual([]);
  });
});

// Without the shared fixture, say so in the report rather than pass silently.
if (!HAVE_YUNET) {
  describe('the real YuNet detector', () => {
    it.skip(`skipped: ${YUNET} is not on this machine`, () => {});
  });
}
