import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from 'pixmux';

/** Runs a check with Node's Buffer, and again without it, as in an edge runtime. */
function bothPaths(check: () => void) {
  check();
  const saved = globalThis.Buffer;
  // @ts-expect-error -- removed on purpose to exercise the web-standard path
  delete globalThis.Buffer;
  try {
    check();
  } finally {
    globalThis.Buffer = saved;
  }
}

describe('base64', () => {
  it('round-trips random bytes of every length mod 3, standard and URL-safe, padded or not', () => {
    bothPaths(() => {
      for (const length of [1, 2, 3, 4, 5, 100, 4097, 65_536]) {
        const bytes = new Uint8Array(randomBytes(length));
        const standard = bytesToBase64(bytes);
        const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_');
        for (const text of [standard, standard.replace(/=+$/, ''), urlSafe, urlSafe.replace(/=+$/, ''), standard.replace(/(.{76})/g, '$1\n')]) {
          expect(Array.from(base64ToBytes(text) ?? [])).toEqual(Array.from(bytes));
        }
      }
    });
  });

  it.each(['', '   ', 'a', 'abcde', 'ab=c', 'ab*d', 'not base64!', 'abcd====', '=abc'])('rejects %j', (text) => {
    bothPaths(() => expect(base64ToBytes(text)).toBeUndefined());
  });

  it('hands out bytes that own their buffer, even for tiny inputs', () => {
    const bytes = base64ToBytes('AAEC')!;
    expect(Array.from(bytes)).toEqual([0, 1, 2]);
    expect(bytes.buffer.byteLength).toBe(3);
  });
});
