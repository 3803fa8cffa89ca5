/**
 * The wire format of `POST /v1/images/generations` as OpenAI defines it and compatible servers
 * (LocalAI, vLLM, gateways) speak it. Minimal on purpose: only the fields pixmux reads.
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
export interface ImagesGenerationBody {
  model: string;
  prompt: string;
  n: number;
  size?: string;
  response_format?: 'b64_json' | 'url';
  [extra: string]: unknown;
}

/** One image of the answer: inline base64 or a URL (at least one of them). */
export interface ImageData {
  b64_json?: string | null | undefined;
  url?: string | null | undefined;
  revised_prompt?: string | null | undefined;
}

export interface ImagesResponse {
  created?: number | undefined;
  data: ImageData[];
}

/**
 * Checks an answer against the shape above: `data` is a non-empty array, each item an object with a non-empty
 * `b64_json` or `url`. Written by hand with zod's `safeParse` shape instead of as a zod schema: this provider is the
 * per-call-cost reference (bench/overhead.mjs), and a zod parse per call and zod's import were a visible share of it.
 * The messages are the ones the zod schema gave.
 */
export const imagesResponseSchema = {
  safeParse(input: unknown): SafeParseResult<ImagesResponse> {
    if (!isObject(input)) return failure([], `Invalid input: expected object, received ${typeName(input)}`);
    const { created, data } = input as { created?: unknown; data?: unknown };
    if (created !== undefined && !(typeof created === 'number' && Number.isFinite(created))) return failure(['created'], `Invalid input: expected number, received ${typeName(created)}`);
    if (!Array.isArray(data)) return failure(['data'], `Invalid input: expected array, received ${typeName(data)}`);
    if (data.length === 0) return failure(['data'], 'holds no images');
    const items: ImageData[] = [];
    for (let index = 0; index < data.length; index++) {
      const item: unknown = data[index];
      if (!isObject(item)) return failure(['data', index], `Invalid input: expected object, received ${typeName(item)}`);
      const { b64_json, url, revised_prompt } = item as ImageData;
      for (const [key, value, nonEmpty] of [['b64_json', b64_json, true], ['url', url, true], ['revised_prompt', revised_prompt, false]] as const) {
        if (value === undefined || value === null) continue;
        if (typeof value !== 'string') return failure(['data', index, key], `Invalid input: expected string, received ${typeName(value)}`);
        if (nonEmpty && value.length === 0) return failure(['data', index, key], 'Too small: expected string to have >=1 characters');
      }
      if (!b64_json && !url) return failure(['data', index], 'has neither b64_json nor url');
      items.push({ b64_json, url, revised_prompt });
    }
    return { success: true, data: { ...(created === undefined ? {} : { created }), data: items } };
  },
};

/** zod's `safeParse` result, which `parseJsonResponse` takes. */
type SafeParseResult<T> = { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };

function failure(path: PropertyKey[], message: string): SafeParseResult<never> {
  return { success: false, error: { issues: [{ path, message }] } };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : String(value);
  return typeof value;
}
