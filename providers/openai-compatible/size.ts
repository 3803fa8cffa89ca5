import type { NormalizedGenerateRequest } from 'pixmux';

/** Works out the `size` field: the caller's size, or one derived from the aspect ratio, snapped to the server's list. */
export function sizeForRequest(request: NormalizedGenerateRequest, allowed: string[] | undefined): { value?: string; warning?: string } {
  const wanted = request.size ?? (request.aspectRatio ? fromAspectRatio(request.aspectRatio) : undefined);
  if (!wanted) return {};
  const text = `${wanted.width}x${wanted.height}`;
  if (!allowed || allowed.length === 0 || allowed.includes(text)) return { value: text };
  const nearest = nearestSize(wanted, allowed);
  return { value: nearest, warning: `size ${text} is not offered; using ${nearest}` };
}

/** About one megapixel at the given ratio, sides rounded to multiples of 64. */
export function fromAspectRatio(ratio: string): { width: number; height: number } {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  const scale = Math.sqrt(1_048_576 / (w * h));
  const round = (value: number) => Math.max(64, Math.round((value * scale) / 64) * 64);
  return { width: round(w), height: round(h) };
}

function nearestSize(wanted: { width: number; height: number }, allowed: string[]): string {
  const ratio = Math.log(wanted.width / wanted.height);
  const area = Math.log(wanted.width * wanted.height);
  let best = allowed[0]!;
  let bestScore = Infinity;
  for (const option of allowed) {
    const [w, h] = option.split('x').map(Number) as [number, number];
    const score = Math.abs(Math.log(w / h) - ratio) * 4 + Math.abs(Math.log(w * h) - area);
    if (score < bestScore) {
      bestScore = score;
      best = option;
    }
  }
  return best;
}
