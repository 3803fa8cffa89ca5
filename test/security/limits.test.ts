import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createPixmux, sniffImage } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { decodeImage } from '../../providers/local/pipelines/image-io.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { rejectionOf } from '../helpers/errors.js';
import { echoClient, gifFrameBomb, useCountingServer } from './helpers.js';

const server = useCountingServer();
const MB = 1024 * 1024;

async function until(done: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 10));
}

function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

describe('decompression bombs', () => {
  it('sees the frame, not the screen, of a GIF frame bomb', () => {
    const bomb = gifFrameBomb();
    expect(bomb.byteLength).toBeLessThan(40);
    expect(sniffImage(bomb)).toMatchObject({ ok: true, image: { width: 16000, height: 16000 } });
  });

  it('refuses the GIF frame bomb as image_too_large before decoding, far under 600 MB', async () => {
    const { px, received } = echoClient();
    const error = await rejectionOf(px.removeBackground({ image: gifFrameBomb() }));
    expect(error.code).toBe('image_too_large');
    expect(received).toHaveLength(0);
    console.info(`GIF frame bomb: peak RSS of this test process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    expect(process.resourceUsage().maxRSS / 1024).toBeLessThan(600);
  });

  it('the decoder itself refuses more pixels than the header declared (limitInputPixels, first frame only)', async () => {
    const before = rssMb();
    const error = await decodeImage(sharp, gifFrameBomb(), 'test', 16 * 16).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'image_too_large' });
    expect(rssMb() - before).toBeLessThan(200);
    // A PNG whose pixels are fine decodes as before.
    await expect(decodeImage(sharp, makePng(20, 10), 'test', 200)).resolves.toMatchObject({ width: 20, height: 10 });
    await expect(decodeImage(sharp, makePng(20, 10), 'test', 199)).rejects.toMatchObject({ code: 'image_too_large' });
  });
});

describe('vendor bodies are capped', () => {
  /** Streams `totalMb` of a JSON body that never ends usefully; records whether the client hung up early. */
  function serveHuge(status: number, totalMb: number) {
    const outcome = { sentMb: 0, closedEarly: false };
    server.handle((req, res) => {
      res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/plain' });
      const chunk = Buffer.alloc(MB, 'A');
      res.write(status === 200 ? '{"data":[{"b64_json":"' : 'error: ');
      const pump = () => {
        while (outcome.sentMb < totalMb) {
          outcome.sentMb += 1;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(status === 200 ? '"}]}' : '');
      };
      res.on('close', () => {
        if (outcome.sentMb < totalMb) outcome.closedEarly = true;
      });
      req.on('close', () => {
        if (outcome.sentMb < totalMb) outcome.closedEarly = true;
      });
      pump();
    });
    return outcome;
  }

  function client() {
    return createPixmux({ providers: [openaiCompatible({ baseURL: `${server.origin}/v1`, model: 'm' })], retry: { retries: 0 } });
  }

  it('a 300 MB JSON body is a bad_response at 64 MB, the connection closed, under 600 MB of memory', async () => {
    const outcome = serveHuge(200, 300);
    const error = await rejectionOf(client().generate({ prompt: 'x' }));
    expect(error.attempts?.[0]?.error).toMatchObject({ code: 'bad_response', message: expect.stringMatching(/over the 67108864-byte limit/) });
    await until(() => outcome.closedEarly);
    expect(outcome.closedEarly).toBe(true);
    expect(outcome.sentMb).toBeLessThan(300);
    console.info(`300 MB body: ${outcome.sentMb} MB sent before the hang-up, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    expect(process.resourceUsage().maxRSS / 1024).toBeLessThan(600);
  });

  it('a 300 MB error body is read up to 1 MB and mapped, truncated', async () => {
    const outcome = serveHuge(500, 300);
    const error = await rejectionOf(client().generate({ prompt: 'x' }));
    expect(error.attempts?.[0]?.error).toMatchObject({ code: 'provider_error', status: 500 });
    expect(error.attempts?.[0]?.error?.message.length).toBeLessThan(1000);
    await until(() => outcome.closedEarly);
    expect(outcome.closedEarly).toBe(true);
    expect(process.resourceUsage().maxRSS / 1024).toBeLessThan(600);
  });

  it('limits.maxResponseBytes sets the cap', async () => {
    serveHuge(200, 3);
    const px = createPixmux({ providers: [openaiCompatible({ baseURL: `${server.origin}/v1`, model: 'm' })], retry: { retries: 0 }, limits: { maxResponseBytes: MB } });
    const error = await rejectionOf(px.generate({ prompt: 'x' }));
    expect(error.attempts?.[0]?.error).toMatchObject({ code: 'bad_response', message: expect.stringMatching(/1048576-byte limit/) });
  });
});

describe('file input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixmux-files-'));
  const root = join(dir, 'uploads');
  mkdirSync(root);
  writeFileSync(join(root, 'in.png'), makePng(4, 4));
  writeFileSync(join(dir, 'outside.png'), makePng(4, 4));
  symlinkSync(join(dir, 'outside.png'), join(root, 'link-out.png'));

  it('is off by default, with the same message whether or not the path exists', async () => {
    const { px } = echoClient();
    const existing = await rejectionOf(px.removeBackground({ image: join(root, 'in.png') }));
    const missing = await rejectionOf(px.removeBackground({ image: join(root, 'nope.png') }));
    const secret = await rejectionOf(px.removeBackground({ image: '/etc/shadow' }));
    const fileUrl = await rejectionOf(px.removeBackground({ image: 'file:///etc/passwd' }));
    for (const error of [existing, missing, secret, fileUrl]) {
      expect(error.code).toBe('invalid_request');
      expect(error.message).toBe(existing.message);
      expect(error.message).toMatch(/input: \{ files: true \}/);
    }
  });

  it('reads paths with files: true, and refuses devices, FIFOs-like and procfs files', async () => {
    const { px } = echoClient({ input: { files: true } });
    await expect(px.removeBackground({ image: join(root, 'in.png') })).resolves.toMatchObject({ provider: 'echo' });
    for (const path of ['/dev/zero', '/proc/self/pagemap', '/proc/self/environ', root]) {
      const error = await rejectionOf(px.removeBackground({ image: path }));
      expect(['invalid_image', 'invalid_request']).toContain(error.code);
    }
  });

  it('stops reading at limits.maxBytes', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(2 * MB));
    const { px } = echoClient({ input: { files: true }, limits: { maxBytes: MB } });
    expect((await rejectionOf(px.removeBackground({ image: big }))).code).toBe('image_too_large');
  });

  it('with files: { root } reads only inside the root, symlinks resolved, one message outside', async () => {
    const { px } = echoClient({ input: { files: { root } } });
    await expect(px.removeBackground({ image: 'in.png' })).resolves.toMatchObject({ provider: 'echo' });
    await expect(px.removeBackground({ image: join(root, 'in.png') })).resolves.toMatchObject({ provider: 'echo' });
    const outside = await rejectionOf(px.removeBackground({ image: join(dir, 'outside.png') }));
    const dotdot = await rejectionOf(px.removeBackground({ image: '../outside.png' }));
    const link = await rejectionOf(px.removeBackground({ image: 'link-out.png' }));
    const missing = await rejectionOf(px.removeBackground({ image: '../not-there.png' }));
    for (const error of [outside, dotdot, link, missing]) {
      expect(error.code).toBe('invalid_request');
      expect(error.message).toBe(outside.message);
    }
  });

  it('base64 and data URLs still work with files off', async () => {
    const { px } = echoClient();
    await expect(px.removeBackground({ image: toBase64(makePng(3, 3)) })).resolves.toMatchObject({ provider: 'echo' });
  });
});
