import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPixmux, type PixmuxEvent } from 'pixmux';
import { local } from '../../providers/local/index.js';
import { makePng } from '../helpers/images.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'pixmux-download-events-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('model downloads are events too', () => {
  it('reports model.download (bytes, total, rate) through onEvent and onProgress alike', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(7);
    // A server that sends three chunks of a file that is not the real model: the download is reported, then refused.
    const fakeFetch = (async () =>
      new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 3; i++) controller.enqueue(chunk);
            controller.close();
          },
        }),
        { headers: { 'content-length': String(3 * chunk.length) } },
      )) as typeof fetch;
    const events: PixmuxEvent[] = [];
    const progress: number[] = [];
    const provider = local({ cacheDir, fetch: fakeFetch, offline: false, onProgress: (event) => progress.push(event.receivedBytes) });
    const px = createPixmux({ providers: [provider], onEvent: (event) => events.push(event) });
    try {
      const error = await px.removeBackground({ image: makePng(8, 8) }).catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ code: 'provider_unavailable' });
      const downloads = events.filter((event): event is Extract<PixmuxEvent, { type: 'model.download' }> => event.type === 'model.download');
      expect(downloads.length).toBeGreaterThan(0);
      expect(downloads.length).toBe(progress.length);
      expect(downloads[0]).toMatchObject({ provider: 'local', model: 'birefnet-general-lite', file: expect.any(String), totalBytes: expect.any(Number), bytesPerSecond: expect.any(Number) });
      expect(downloads.map((event) => event.receivedBytes)).toEqual(progress);
      expect(downloads.at(-1)!.receivedBytes).toBeGreaterThan(0);
    } finally {
      await px.dispose();
    }
  });
});
