import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPixmux, PixmuxError } from 'pixmux';
import { fakeProvider } from '../helpers/fake-provider.js';
import { makePng } from '../helpers/images.js';

/** Bad input of every shape ends in a typed PixmuxError: never a crash, a hang or an unhandled rejection. */
describe('bad input never escapes as anything but a PixmuxError', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(() => void process.off('unhandledRejection', onUnhandled));

  const px = createPixmux({
    providers: [
      fakeProvider({
        id: 'echo',
        operations: {
          generate: async () => ({ images: [{ bytes: makePng(2, 2) }] }),
          removeBackground: async (request) => ({ images: [{ bytes: request.image.bytes }] }),
          restoreFace: async (request) => ({ images: [{ bytes: request.image.bytes }] }),
        },
      }),
    ],
    timeoutMs: 2_000,
  });
  const throwingGetter = Object.defineProperty({}, 'prompt', { get: () => { throw new Error('getter exploded'); }, enumerable: true });
  const cyclic: Record<string, unknown> = { prompt: 'x' };
  cyclic.providerOptions = { echo: cyclic };

  const generateInputs: unknown[] = [
    undefined, null, 42, 'a prompt as a string', [], [{ prompt: 'x' }], throwingGetter,
    { prompt: 42 }, { prompt: null }, { prompt: ['x'] }, { prompt: 'x'.repeat(40_000) },
    { prompt: 'x', n: Number.NaN }, { prompt: 'x', n: Infinity }, { prompt: 'x', n: '2' }, { prompt: 'x', n: -1 },
    { prompt: 'x', size: 'x' }, { prompt: 'x', size: '0x0' }, { prompt: 'x', size: '99999x99999' }, { prompt: 'x', size: { width: -5, height: 10 } }, { prompt: 'x', size: null },
    { prompt: 'x', seed: 1.5 }, { prompt: 'x', seed: 2 ** 40 }, { prompt: 'x', timeoutMs: -1 }, { prompt: 'x', timeoutMs: Number.NaN },
    { prompt: 'x', signal: {} }, { prompt: 'x', providers: 'echo' }, { prompt: 'x', providers: [42] }, { prompt: 'x', providerOptions: 'x' },
    { prompt: 'x', format: 'PNG' }, { prompt: 'x', model: '' }, { prompt: 'x', aspectRatio: 16 / 9 },
  ];

  it.each(generateInputs.map((input, index) => [index, input]))('generate input #%i', async (_index, input) => {
    const outcome = await px.generate(input as never).then(() => 'resolved', (error: unknown) => error);
    expect(PixmuxError.isInstance(outcome)).toBe(true);
    expect((outcome as PixmuxError).code).toBe('invalid_request');
  });

  const imageInputs: unknown[] = [
    undefined, null, 42, {}, [], true, '', ' ', 'not base64 and not a path ::', 'data:,', 'data:image/png;base64,!!!!',
    'ftp://example.com/x.png', new Uint8Array(0), new Uint8Array(5), new ArrayBuffer(0), new Blob([]), new URL('file:///nope/none.png'),
    new Uint16Array(4), Symbol('x'), () => 1,
  ];

  it.each(imageInputs.map((input, index) => [index, input]))('removeBackground and restoreFace image #%i', async (_index, image) => {
    for (const call of [() => px.removeBackground({ image } as never), () => px.restoreFace({ image } as never)]) {
      const outcome = await call().then(() => 'resolved', (error: unknown) => error);
      expect(PixmuxError.isInstance(outcome)).toBe(true);
      expect(['invalid_request', 'invalid_image']).toContain((outcome as PixmuxError).code);
    }
  });

  it('a cyclic providerOptions object is accepted without hanging', async () => {
    await expect(px.generate(cyclic as never)).resolves.toMatchObject({ provider: 'echo' });
  });

  it('left no unhandled rejection behind', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });
});
