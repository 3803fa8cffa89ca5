import { describeErrorBody, pixmuxError } from '../errors/create-error.js';
import { PixmuxError } from '../errors/pixmux-error.js';
import type { Schema } from '../request/validate.js';

/**
 * Reads a successful response as JSON and checks it against the vendor's (minimal) schema.
 * Anything unparseable or off-schema is a `bad_response`, never an empty success.
 */
export async function parseJsonResponse<T>(response: Response, schema: Schema<T>, provider: string): Promise<T> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (PixmuxError.isInstance(error)) throw error;
    throw pixmuxError('provider_error', `${provider}: the response body could not be read`, { provider, retryable: true, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw pixmuxError('bad_response', `${provider} returned a body that is not JSON (${text.length} bytes)`, { provider, status: response.status });
  }
  return parseWith(schema, json, provider);
}

/**
 * Checks already-parsed data against a schema (a zod schema, or anything with its `safeParse`); a mismatch is a
 * `bad_response` naming the first wrong field.
 */
export function parseWith<T>(schema: Schema<T>, data: unknown, provider: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw pixmuxError('bad_response', `${provider} returned an unexpected response: ${field} ${issue?.message ?? 'is invalid'}`, { provider });
}

/**
 * Reads a successful response as image bytes; an empty body is a `bad_response`. With `rejectJson`, a JSON body
 * (a vendor's error sent with status 200) is a `bad_response` carrying the vendor's message, not bytes to sniff.
 */
export async function readImageResponse(response: Response, provider: string, options: { rejectJson?: boolean } = {}): Promise<{ bytes: Uint8Array; mediaType: string | undefined }> {
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
  if (options.rejectJson && mediaType?.includes('json')) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not even JSON: the text itself is the message.
    }
    const { vendorMessage } = describeErrorBody(body);
    throw pixmuxError('bad_response', `${provider} returned JSON instead of an image${vendorMessage ? `: ${vendorMessage}` : ''}`, { provider, status: response.status });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength === 0) throw pixmuxError('bad_response', `${provider} returned an empty image`, { provider });
  return { bytes, mediaType };
}
