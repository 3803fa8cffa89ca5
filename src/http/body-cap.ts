import { concatBytes } from '../util/concat-bytes.js';

/**
 * Caps on what is read from a vendor. A body is a stream; these read it in chunks, stop at the cap and cancel the
 * stream (which closes the connection), so a 400 MB body never becomes 400 MB of memory.
 */

/**
 * The same response with a body that fails with `onTooLarge()` once more than `maxBytes` arrive (or at once when
 * `content-length` says so). Every reader (`text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()`, `body`) sees
 * the cap. It is a proxy over the response, not a new one: the readers pull the original stream and count, and a
 * capped `body` stream is only built when something asks for `body` itself.
 */
export function capResponse(response: Response, maxBytes: number, onTooLarge: () => Error): Response {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    response.body?.cancel().catch(() => {});
    throw onTooLarge();
  }
  const source = response.body;
  if (!source) return response;
  let body: ReadableStream<Uint8Array> | undefined;
  const readAll = () => readAllCapped(source, maxBytes, onTooLarge);
  const overrides: Record<PropertyKey, unknown> = {
    arrayBuffer: async () => {
      const bytes = await readAll();
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    },
    bytes: readAll,
    text: async () => new TextDecoder().decode(await readAll()),
    json: async () => JSON.parse(new TextDecoder().decode(await readAll())) as unknown,
    blob: async () => new Blob([(await readAll()) as Uint8Array<ArrayBuffer>], { type: response.headers.get('content-type') ?? '' }),
  };
  return new Proxy(response, {
    get(target, property) {
      if (property === 'body') return (body ??= cappedStream(source, maxBytes, onTooLarge));
      if (Object.hasOwn(overrides, property)) return overrides[property];
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Reads a whole stream into one array, failing (and cancelling the stream) past `maxBytes`. */
export async function readAllCapped(source: ReadableStream<Uint8Array>, maxBytes: number, onTooLarge: () => Error): Promise<Uint8Array> {
  const reader = source.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Never await a cancel: some stream implementations only settle it once the producer finishes.
      reader.cancel().catch(() => {});
      throw onTooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

/** A stream over `source` that errors with `onTooLarge()` past `maxBytes`. */
function cappedStream(source: ReadableStream<Uint8Array>, maxBytes: number, onTooLarge: () => Error): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        controller.error(error);
        return;
      }
      if (chunk.done) {
        controller.close();
        return;
      }
      total += chunk.value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => {});
        controller.error(onTooLarge());
        return;
      }
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason).catch(() => {});
    },
  });
}

/** Reads at most `maxBytes` of a body as text and cancels the rest; `truncated` says whether there was more. */
export async function readTextCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: await response.text(), truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    const room = maxBytes - total;
    total += value.byteLength;
    if (value.byteLength > room) {
      reader.cancel().catch(() => {});
      return { text: text + decoder.decode(value.subarray(0, Math.max(0, room))), truncated: true };
    }
    text += decoder.decode(value, { stream: true });
  }
}
