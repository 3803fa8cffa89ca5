import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider } from 'pixmux';
import { makePng } from '../helpers/images.js';

describe('abort listeners', () => {
  it('a generate split into ten chunks, each retried, raises no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      let calls = 0;
      const flaky = defineProvider({
        id: 'flaky',
        maxImagesPerCall: 1,
        maxConcurrency: 10,
        operations: {
          generate: async (_request, ctx) => {
            ctx.signal.addEventListener('abort', () => {}); // as fetch does
            calls += 1;
            if (ctx.attempt === 1) throw Object.assign(new Error('socket hang up'), { name: 'FetchError' });
            return { images: [{ bytes: makePng(4, 4) }], costUsd: 0 };
          },
        },
      });
      const px = createPixmux({ providers: [flaky], retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1, jitter: 0 } });
      const result = await px.generate({ prompt: 'x', n: 10 });
      expect(result.images).toHaveLength(10);
      expect(calls).toBe(20);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
