import { http, HttpResponse } from 'msw';
import { makePng, toBase64 } from './images.js';

/** Shapes of Google's answers shared by the Gemini API and Vertex AI suites (from the documented REST responses). */
export const png = makePng(16, 16);

/** A `generateContent` answer: one candidate whose parts are given (default: one PNG), with its finishReason. */
export function geminiAnswer(parts: Array<Record<string, unknown>> = [imagePart()], finishReason = 'STOP', extra: Record<string, unknown> = {}) {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
    usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1290, totalTokenCount: 1299 },
    modelVersion: 'gemini-2.5-flash-image',
    responseId: 'resp-1',
    ...extra,
  };
}

export function imagePart(bytes: Uint8Array = png, mimeType = 'image/png') {
  return { inlineData: { mimeType, data: toBase64(bytes) } };
}

/** The google.rpc error envelope. */
export function googleError(code: number, status: string, message: string, details: unknown[] = []) {
  return HttpResponse.json({ error: { code, message, status, details } }, { status: code });
}

/** Each google.rpc status pixmux maps, with the HTTP code Google sends it with, and how many tries it gets (3 = retried twice). */
export const GOOGLE_STATUS_CASES: Array<[status: string, http: number, code: string, tries: number]> = [
  ['INVALID_ARGUMENT', 400, 'invalid_request', 1],
  ['OUT_OF_RANGE', 400, 'invalid_request', 1],
  ['FAILED_PRECONDITION', 400, 'provider_unavailable', 1],
  ['UNAUTHENTICATED', 401, 'auth', 1],
  ['PERMISSION_DENIED', 403, 'auth', 1],
  ['NOT_FOUND', 404, 'provider_unavailable', 1],
  ['INTERNAL', 500, 'provider_error', 3],
  ['UNAVAILABLE', 503, 'provider_error', 3],
  ['DEADLINE_EXCEEDED', 504, 'timeout', 3],
];

/** The safety outcomes of a `generateContent` answer that carries no image. */
export const GEMINI_SAFETY_CASES: Array<[name: string, body: Record<string, unknown>, pattern: RegExp]> = [
  ['promptFeedback.blockReason', { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, /blocked the prompt \(promptFeedback\.blockReason PROHIBITED_CONTENT/],
  ['finishReason SAFETY', geminiAnswer([], 'SAFETY'), /withheld the image \(finishReason SAFETY\)/],
  ['finishReason IMAGE_SAFETY', geminiAnswer([{ text: 'I cannot draw that.' }], 'IMAGE_SAFETY'), /finishReason IMAGE_SAFETY\); the model said: I cannot draw that/],
  ['finishReason NO_IMAGE', geminiAnswer([], 'NO_IMAGE'), /answered without an image \(finishReason NO_IMAGE\)/],
  ['a text-only answer', geminiAnswer([{ text: "I can't create images of real people." }], 'STOP'), /without an image \(finishReason STOP\); the model said: I can't create/],
];

/** 200s that hold no usable image and no safety signal. */
export const GEMINI_BAD_RESPONSES: Array<[name: string, reply: () => Response]> = [
  ['an empty object', () => HttpResponse.json({})],
  ['a candidate without parts', () => HttpResponse.json(geminiAnswer([], 'STOP'))],
  ['a candidate ending in IMAGE_OTHER', () => HttpResponse.json(geminiAnswer([], 'IMAGE_OTHER'))],
  ['inlineData that is not base64', () => HttpResponse.json(geminiAnswer([{ inlineData: { mimeType: 'image/png', data: '%%%not base64%%%' } }]))],
  ['candidates that are not a list', () => HttpResponse.json({ candidates: { content: 'x' } })],
  ['a body that is not JSON', () => new HttpResponse('{"candidates": [', { headers: { 'content-type': 'application/json' } })],
];

/** Imagen's documented `:predict` answer: one prediction per image, base64 with its MIME type. */
export function predictions(count = 1, extra: Array<Record<string, unknown>> = []) {
  return { predictions: [...Array.from({ length: count }, () => ({ bytesBase64Encoded: toBase64(png), mimeType: 'image/png' })), ...extra] };
}

/** A request as the suites compare it: method, URL, the credential and type headers, the JSON body. */
export interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | null>;
  body: Record<string, unknown>;
}

export async function read(request: Request): Promise<Seen> {
  return {
    method: request.method,
    url: request.url,
    headers: { 'x-goog-api-key': request.headers.get('x-goog-api-key'), authorization: request.headers.get('authorization'), 'content-type': request.headers.get('content-type') },
    body: (await request.json()) as Record<string, unknown>,
  };
}

/** Records each request to `url` and answers it (by default: one image, in the shape of the URL's method). */
export function capture(url: string, seen: Seen[], reply: () => Response = () => HttpResponse.json(url.endsWith(':predict') ? predictions() : geminiAnswer())) {
  return http.post(url, async ({ request }) => {
    seen.push(await read(request));
    return reply();
  });
}
