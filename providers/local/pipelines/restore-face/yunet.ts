import type { FaceDetection } from './detections.js';

/** YuNet's strides; each has four outputs named `cls_<s>`, `obj_<s>`, `bbox_<s>`, `kps_<s>`. */
export const YUNET_STRIDES = [8, 16, 32] as const;

/** The output names YuNet (2023mar) returns, in the order it declares them. */
export const YUNET_OUTPUTS = ['cls', 'obj', 'bbox', 'kps'].flatMap((kind) => YUNET_STRIDES.map((stride) => `${kind}_${stride}`));

/** One output tensor's values (dims are implied by the input size and the stride). */
export type YunetOutputs = Record<string, { data: Float32Array | ArrayLike<number> }>;

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/**
 * Decodes YuNet's 12 outputs for an input of `width × height` (multiples of 32): one anchor per grid cell per stride,
 * cells row-major. As OpenCV's `FaceDetectorYN`: score = √(clamp(cls)·clamp(obj)); centre = (cell + bbox[0..1]) × stride;
 * size = exp(bbox[2..3]) × stride; landmark i = (cell + kps[2i..2i+1]) × stride. Faces under `threshold` are dropped;
 * no NMS here.
 */
export function decodeYunet(outputs: YunetOutputs, width: number, height: number, threshold: number): FaceDetection[] {
  const faces: FaceDetection[] = [];
  for (const stride of YUNET_STRIDES) {
    const cols = Math.floor(width / stride);
    const rows = Math.floor(height / stride);
    const get = (kind: string) => {
      const output = outputs[`${kind}_${stride}`];
      if (!output) throw new RangeError(`the detector has no output ${kind}_${stride}; it is not a YuNet model`);
      return output.data;
    };
    const cls = get('cls');
    const obj = get('obj');
    const bbox = get('bbox');
    const kps = get('kps');
    if (cls.length < rows * cols || bbox.length < rows * cols * 4 || kps.length < rows * cols * 10) {
      throw new RangeError(`the detector's stride-${stride} outputs do not fit a ${width}×${height} input`);
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (!(score >= threshold)) continue;
        const cx = (c + bbox[i * 4]!) * stride;
        const cy = (r + bbox[i * 4 + 1]!) * stride;
        const w = Math.exp(bbox[i * 4 + 2]!) * stride;
        const h = Math.exp(bbox[i * 4 + 3]!) * stride;
        const point = (k: number): [number, number] => [(c + kps[i * 10 + 2 * k]!) * stride, (r + kps[i * 10 + 2 * k + 1]!) * stride];
        faces.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, landmarks: [point(0), point(1), point(2), point(3), point(4)] });
      }
    }
  }
  return faces;
}
