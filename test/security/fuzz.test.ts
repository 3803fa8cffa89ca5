import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, describeErrorBody, PixmuxError, retryAfterFromHeaders, sniffImage, DEFAULT_IMAGE_LIMITS } from 'pixmux';
import { checkImage, normalizeImage } from '../../src/image/input.js';
import { toPixmuxImage } from '../../src/image/output.js';
import { deserializeEntry } from '../../src/cache/entry.js';
import { makePng } from '../helpers/images.js';
import { gifFrameBomb } from './helpers.js';

/** Real headers of every format the sniffer knows, to mutate: the interesting inputs are almost-valid ones. */
const SEEDS: Uint8Array[] = [
  makePng(20, 10),
  gifFrameBomb(),
  new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, 0, 17, 8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]),
  new Uint8Array([...new TextEncoder().encode('RIFF'), 30, 0, 0, 0, ...new TextEncoder().encode('WEBPVP8X'), 10, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 15, 0, 0]),
  new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypavif'), 0, 0, 0, 0, ...new TextEncoder().encode('avifmif1'), 0, 0, 0, 20, ...new TextEncoder().encode('ispe'), 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0]),
  new Uint8Array([0x42, 0x4d, 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0, 1, 0, 24, 0]),
  new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 2, 0, 0, 1, 3, 0, 1, 0, 0, 0, 16, 0, 0, 0, 1, 1, 3, 0, 1, 0, 0, 0, 16, 0, 0, 0]),
];

/** A seed with random bytes overwritten, cut short or extended: the shapes a parser meets from a hostile sender. */
const mutated = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat(), { nil: undefined }), fc.uint8Array({ maxLength: 32 }))
  .map(([seed, edits, cut, tail]) => {
    const bytes = new Uint8Array([...seed, ...tail]);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    return cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated);

/** Runs `fn`; anything thrown must be a PixmuxError. */
function onlyPixmuxErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    return PixmuxError.isInstance(error);
  }
}

const RUNS = { numRuns: 3000 };

describe('property: parsers never throw anything but PixmuxError', () => {
  it('sniffImage never throws and reports positive sizes', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        const result = sniffImage(bytes);
        if (result.ok) expect(result.image.width > 0 && result.image.height > 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('checkImage (sniff plus limits) throws only PixmuxError', () => {
    fc.assert(fc.property(anyBytes, (bytes) => onlyPixmuxErrors(() => checkImage(bytes, DEFAULT_IMAGE_LIMITS))), RUNS);
  });

  it("a provider's image bytes (toPixmuxImage) throw only PixmuxError", () => {
    fc.assert(fc.property(anyBytes, (bytes) => onlyPixmuxErrors(() => toPixmuxImage({ bytes }, 'fuzz'))), RUNS);
  });

  it('base64ToBytes never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.base64String(), fc.string({ unit: 'binary' })), (text) => void base64ToBytes(text)), RUNS);
  });

  it('normalizeImage of any string or bytes rejects only with PixmuxError (files and URLs off)', async () => {
    const input = fc.oneof(
      anyBytes,
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((text) => `data:${text}`),
      fc.tuple(fc.constantFrom('image/png', 'text/html', '', 'image/svg+xml'), fc.base64String({ maxLength: 200 })).map(([type, data]) => `data:${type};base64,${data}`),
      mutated.map((bytes) => Buffer.from(bytes).toString('base64')),
    );
    await fc.assert(
      fc.asyncProperty(input, async (image) => {
        await normalizeImage(image, { limits: DEFAULT_IMAGE_LIMITS, sources: { files: false, urls: false } }).catch((error: unknown) => {
          if (!PixmuxError.isInstance(error)) throw error;
        });
      }),
      { numRuns: 1500 },
    );
  });

  it('retryAfterFromHeaders never throws and never returns a negative or non-finite wait', () => {
    const names = fc.constantFrom('retry-after-ms', 'retry-after', 'x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens', 'x-ratelimit-reset', 'ratelimit-reset');
    const value = fc.oneof(fc.string(), fc.double().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()), fc.stringMatching(/^\d{1,3}(ms|s|m|h)$/));
    fc.assert(
      fc.property(fc.array(fc.tuple(names, value), { maxLength: 4 }), (pairs) => {
        const headers = new Headers();
        for (const [name, text] of pairs) {
          try {
            headers.set(name, text);
          } catch {
            return; // Not a legal header value: no response can carry it.
          }
        }
        const wait = retryAfterFromHeaders(headers);
        if (wait !== undefined) expect(wait >= 0 && Number.isFinite(wait)).toBe(true);
      }),
      RUNS,
    );
  });

  it('describeErrorBody never throws on any JSON or text', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.anything()), (body) => void describeErrorBody(body)), RUNS);
  });

  it('cache entries from disk (deserializeEntry) never throw', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value))), (text) => onlyPixmuxErrors(() => deserializeEntry(text))), RUNS);
  });
});
