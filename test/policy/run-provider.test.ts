import { describe, expect, it } from 'vitest';
import { createPixmux, pixmuxError, type NormalizedGenerateRequest, type ProviderResult } from '../../src/index.js';
import { fakeProvider } from '../helpers/fake-provider.js';
import { makePng } from '../helpers/images.js';

const png = makePng(2, 2);

/** How one provider's run is put together: chunks of `n`, what each chunk brings, what it bills, what it returns. */
describe('one provider, one call', () => {
  it('n above the per-call maximum is split into chunks of at most that many, seeds advancing by the images before them', async () => {
    const seen: Array<{ n: number; seed: number | undefined }> = [];
    const px = createPixmux({
      providers: [
        fakeProvider({
          id: 'split',
          maxImagesPerCall: 3,
          operations: {
            generate: async (request: NormalizedGenerateRequest): Promise<ProviderResult> => {
              seen.push({ n: request.n, seed: request.seed });
              return { images: Array.from({ length: request.n }, () => ({ bytes: png })), warnings: [`chunk of ${request.n}`], metadata: { [`chunk${request.seed}`]: request.n } };
            },
          },
        }),
      ],
    });
    const result = await px.generate({ prompt: 'a cat', n: 7, seed: 100 });
    expect(seen.sort((a, b) => a.seed! - b.seed!)).toEqual([
      { n: 3, seed: 100 },
      { n: 3, seed: 103 },
      { n: 1, seed: 106 },
    ]);
    expect(result.images).toHaveLength(7);
    // Every chunk's warnings and metadata are kept, in chunk order.
    expect(result.warnings).toEqual(['chunk of 3', 'chunk of 3', 'chunk of 1']);
    expect(result.metadata).toEqual({ chunk100: 3, chunk103: 3, chunk106: 1 });
  });

  it('n equal to the per-call maximum is one request', async () => {
    let calls = 0;
    const px = createPixmux({
      providers: [
        fakeProvider({
          id: 'whole',
          maxImagesPerCall: 4,
          operations: {
            generate: async (request: NormalizedGenerateRequest) => {
              calls += 1;
              return { images: Array.from({ length: request.n }, () => ({ bytes: png })) };
            },
          },
        }),
      ],
    });
    expect((await px.generate({ prompt: 'a cat', n: 4 })).images).toHaveLength(4);
    expect(calls).toBe(1);
  });

  it('one chunk: its warnings, metadata and model come back as the provider gave them', async () => {
    const px = createPixmux({
      providers: [
        fakeProvider({
          id: 'single',
          operations: {
            generate: async (_request, ctx) => {
              ctx.warn('from the context');
              return { images: [{ bytes: png }], model: 'm-1', warnings: ['from the result'], metadata: { jobId: 'j1' } };
            },
          },
        }),
      ],
    });
    const result = await px.generate({ prompt: 'a cat' });
    expect(result.model).toBe('m-1');
    expect(result.warnings).toEqual(['from the context', 'from the result']);
    expect(result.metadata).toEqual({ jobId: 'j1' });
  });

  it.each([
    ['no result', undefined],
    ['no images array', { images: 'nope' }],
    ['an empty images array', { images: [] }],
  ])('a provider that returns %s fails (provider_error, "returned no images"), and the next provider answers', async (_what, answer) => {
    const px = createPixmux({
      policy: { order: 'listed' },
      providers: [fakeProvider({ id: 'empty', operations: { generate: async () => answer as unknown as ProviderResult } }), fakeProvider({ id: 'backup' })],
    });
    const result = await px.generate({ prompt: 'a cat' });
    expect(result.provider).toBe('backup');
    expect(result.attempts[0]).toMatchObject({ provider: 'empty', ok: false, error: { code: 'provider_error', message: 'empty failed: returned no images' } });
  });

  it.each([
    ['NaN', Number.NaN],
    ['negative', -1],
    ['a string', '0.01'],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('a reported cost that is %s is not a cost: warned on the result', async (_what, reported) => {
    const px = createPixmux({ providers: [fakeProvider({ id: 'odd-bill', operations: { generate: async () => ({ images: [{ bytes: png }], costUsd: reported as number }) } })] });
    const result = await px.generate({ prompt: 'a cat' });
    expect(result.warnings.some((warning) => /odd-bill reported a cost of .* which is not a cost/.test(warning))).toBe(true);
  });

  it('a reported cost of 0 is a cost (no warning), and no reported cost bills the price', async () => {
    const free = createPixmux({ providers: [fakeProvider({ id: 'free', operations: { generate: async () => ({ images: [{ bytes: png }], costUsd: 0 }) } })] });
    const freeResult = await free.generate({ prompt: 'a cat' });
    expect(freeResult.costUsd).toBe(0);
    expect(freeResult.warnings).toEqual([]);
    const priced = createPixmux({ providers: [fakeProvider({ id: 'priced', price: () => 0.042, operations: { generate: async () => ({ images: [{ bytes: png }] }) } })] });
    expect((await priced.generate({ prompt: 'a cat' })).costUsd).toBe(0.042);
  });

  it('a retry whose wait would pass the deadline is not taken: the failure goes up at once', async () => {
    let tries = 0;
    const px = createPixmux({
      retry: { retries: 3 },
      providers: [
        fakeProvider({
          id: 'wants-a-minute',
          operations: {
            generate: async () => {
              tries += 1;
              throw pixmuxError('rate_limited', 'slow down', { provider: 'wants-a-minute', retryable: true, retryAfterMs: 60_000 });
            },
          },
        }),
      ],
    });
    await expect(px.generate({ prompt: 'a cat', timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'rate_limited' });
    expect(tries).toBe(1);
  });
});
