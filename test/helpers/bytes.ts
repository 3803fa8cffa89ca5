import { expect } from 'vitest';

/**
 * Asserts byte-for-byte equality. `toEqual` on a large Uint8Array compares element by element through the generic
 * matcher: about 30 s for the 790 kB astronaut PNG on a busy machine, enough to time a test out.
 */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual, 'expected bytes, got none').toBeDefined();
  const same = Buffer.from(actual!.buffer, actual!.byteOffset, actual!.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength));
  expect(same, `the ${actual!.byteLength} bytes differ from the ${expected.byteLength} expected`).toBe(true);
}
