import type { Point } from './affine.js';

/** One detected face, in the coordinates of the image it was found in. */
export interface FaceDetection {
  /** `[x1, y1, x2, y2]`. */
  box: [number, number, number, number];
  score: number;
  /** Five points, image-left first: left eye, right eye, nose tip, left mouth corner, right mouth corner (as seen in the image). */
  landmarks: [Point, Point, Point, Point, Point];
}

/** Intersection over union of two `[x1, y1, x2, y2]` boxes. */
export function iou(a: FaceDetection['box'], b: FaceDetection['box']): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: highest score first, dropping boxes that overlap a kept one by more than `threshold` IoU. */
export function nms(faces: readonly FaceDetection[], threshold: number): FaceDetection[] {
  const sorted = [...faces].sort((x, y) => y.score - x.score);
  const kept: FaceDetection[] = [];
  for (const face of sorted) if (kept.every((other) => iou(other.box, face.box) <= threshold)) kept.push(face);
  return kept;
}

/** Moves and scales detections found on a resized copy back to the original image: `original = detected × scale`. */
export function scaleDetection(face: FaceDetection, scale: number): FaceDetection {
  const s = (p: Point): Point => [p[0] * scale, p[1] * scale];
  return {
    box: [face.box[0] * scale, face.box[1] * scale, face.box[2] * scale, face.box[3] * scale],
    score: face.score,
    landmarks: face.landmarks.map(s) as FaceDetection['landmarks'],
  };
}

/** Box area, for ordering faces largest first. */
export function boxArea(face: FaceDetection): number {
  return Math.max(0, face.box[2] - face.box[0]) * Math.max(0, face.box[3] - face.box[1]);
}

/** Distance between the two eyes, in pixels. */
export function eyeDistance(face: FaceDetection): number {
  const [left, right] = face.landmarks;
  return Math.hypot(right[0] - left[0], right[1] - left[1]);
}
