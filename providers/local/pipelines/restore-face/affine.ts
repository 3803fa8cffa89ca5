/**
 * 2-D affine transforms as `[a, b, c, d, e, f]`: `x' = a·x + b·y + c`, `y' = d·x + e·y + f`.
 * Pixel coordinates throughout, with pixel centres on integers (OpenCV's `warpAffine` convention).
 */
export type Affine = [number, number, number, number, number, number];

export type Point = [number, number];

/** Applies the transform to one point. */
export function applyAffine(m: Affine, [x, y]: Point): Point {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/** The inverse transform; throws a RangeError when the matrix is singular. */
export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('the transform is singular');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/**
 * The least-squares similarity (rotation, uniform scale, translation; no reflection) taking `from[i]` onto `to[i]`:
 * Umeyama's estimate, which in two dimensions has this closed form. Replaces OpenCV's `estimateAffinePartial2D`
 * for face alignment (with 5 landmarks and a large RANSAC threshold that is a least-squares fit too).
 */
export function similarityFromPoints(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new RangeError('need at least two point pairs, as many in each set');
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0];
    fy += from[i]![1];
    tx += to[i]![0];
    ty += to[i]![1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]![0] - fx;
    const py = from[i]![1] - fy;
    const qx = to[i]![0] - tx;
    const qy = to[i]![1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm < 1e-12) throw new RangeError('the source points coincide');
  const a = dot / norm; // scale · cos θ
  const b = cross / norm; // scale · sin θ
  return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
}

/** The integer box `[x1, y1, x2, y2)` that holds a `size × size` crop mapped into the image by `cropToImage`, clipped to the image. */
export function cropBoundsInImage(cropToImage: Affine, size: number, width: number, height: number): [number, number, number, number] {
  const corners = [applyAffine(cropToImage, [0, 0]), applyAffine(cropToImage, [size - 1, 0]), applyAffine(cropToImage, [0, size - 1]), applyAffine(cropToImage, [size - 1, size - 1])];
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  return [
    Math.max(0, Math.floor(Math.min(...xs))),
    Math.max(0, Math.floor(Math.min(...ys))),
    Math.min(width, Math.ceil(Math.max(...xs)) + 1),
    Math.min(height, Math.ceil(Math.max(...ys)) + 1),
  ];
}
