import { describe, expect, it, vi } from 'vitest';
import { createPixmux } from 'pixmux';
import { fakeProvider } from '../helpers/fake-provider.js';
import { makePng } from '../helpers/images.js';
import { rejectionOf as rejection } from '../helpers/errors.js';

function setup() {
  const generate = vi.fn(async (_request: unknown) => ({ images: [{ bytes: makePng(4, 4) }] }));
  const restoreFace = vi.fn(async () => ({ images: [{ bytes: makePng(4, 4) }] }));
  const px = createPixmux({ providers: [fakeProvider({ id: 'fake', operations: { generate, restoreFace } })] });
  return { px, generate, restoreFace };
}

describe('request validation', () => {
  it.each([
    [{ prompt: '' }, /prompt must not be empty/],
    [{ prompt: '   ' }, /prompt must not be empty/],
    [{}, /prompt is required/],
    [{ prompt: 'x', n: 0 }, /n must be between 1 and 10/],
    [{ prompt: 'x', n: 11 }, /n must be between 1 and 10/],
    [{ prompt: 'x', n: 1.5 }, /n must be a whole number/],
    [{ prompt: 'x', size: '1024*1024' }, /size must be "WIDTHxHEIGHT"/],
    [{ prompt: 'x', size: '10x10' }, /size/],
    [{ prompt: 'x', size: { width: 512 } }, /size/],
    [{ prompt: 'x', format: 'bmp' }, /format must be one of png, jpeg, webp/],
    [{ prompt: 'x', aspectRatio: 'wide' }, /aspectRatio must look like "16:9"/],
    [{ prompt: 'x', seed: -1 }, /seed must be 0 or more/],
    [{ prompt: 'x', timeoutMs: 0 }, /timeoutMs must be above 0/],
    [{ prompt: 'x', signal: 'nope' }, /signal must be an AbortSignal/],
    [{ prompt: 'x', providers: [] }, /providers must name at least one provider/],
  ])('rejects generate %j naming the field', async (request, message) => {
    const { px, generate } = setup();
    const error = await rejection(px.generate(request as never));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(message);
    expect(generate).not.toHaveBeenCalled();
  });

  it.each([
    [{ image: makePng(4, 4), fidelity: 1.5 }, /fidelity must be between 0 and 1/],
    [{ image: makePng(4, 4), fidelity: -0.1 }, /fidelity must be between 0 and 1/],
    [{}, /image is required/],
  ])('rejects restoreFace %j naming the field', async (request, message) => {
    const { px, restoreFace } = setup();
    const error = await rejection(px.restoreFace(request as never));
    expect(error).toMatchObject({ code: 'invalid_request' });
    expect(error.message).toMatch(message);
    expect(restoreFace).not.toHaveBeenCalled();
  });

  it('rejects a non-object request and an unknown provider id', async () => {
    const { px } = setup();
    expect((await rejection(px.generate(null as never))).code).toBe('invalid_request');
    const unknown = await rejection(px.generate({ prompt: 'x', providers: ['nope'] }));
    expect(unknown.message).toMatch(/unknown provider "nope" \(configured: fake\)/);
  });

  it('resolves sizes and passes a normalised request to the provider', async () => {
    const { px, generate } = setup();
    await px.generate({ prompt: '  a cat  ', size: '1024x768', seed: 7 });
    expect(generate.mock.calls[0]![0]).toEqual({
      prompt: 'a cat',
      negativePrompt: undefined,
      size: { width: 1024, height: 768 },
      aspectRatio: undefined,
      n: 1,
      seed: 7,
      format: 'png',
      model: undefined,
      providerOptions: {},
    });
  });

  it('rejects bad client configuration', () => {
    expect(() => createPixmux({ providers: [] })).toThrow(/providers must be a non-empty array/);
    expect(() => createPixmux({ providers: [fakeProvider({ id: 'a' }), fakeProvider({ id: 'a' })] })).toThrow(/two providers share the id "a"/);
    expect(() => createPixmux({ providers: [{ id: 'x' } as never] })).toThrow(/is not a provider/);
  });
});
