/**
 * Caps on what is read from a vendor. A body is a stream; these read it in chunks, stop at the cap and cancel the
 * stream (which closes the connection), so a 400 MB body never becomes 400 MB of memory.
 */

/**
 * The same response with a body that fails with `onTooLarge()` once more than `maxBytes` arrive (or at once when
 * `content-length` says so). Every reader (`text()`, `json()`, `arrayBuffer()`, a stream reader) sees the cap.
 */
export function capResponse(response: Response, maxBytes: number, onTooLarge: () => Error): Response {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    response.body?.cancel().catch(() => {});
    throw onTooLarge();
  }
  if (!response.body) return response;
  const reader = response.body.getReader();
  let total = 0;
  const capped = new ReadableStream<Uint8Array>({
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
        // Never await a cancel: some stream implementations only settle it once the producer finishes.
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
  const out = new Response(capped, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(out, 'url', { value: response.url });
  return out;
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
