// A team's own endpoint as a first-class provider, with a fallback behind it.
// Runs with no keys and no network: the "in-house GPU" here fails on purpose, the backup answers.
//   npm run build && node examples/custom-provider.mjs
import { deflateSync } from 'node:zlib';
import { createPixmux, defineProvider, pixmuxError } from 'pixmux';

const inHouseGpu = defineProvider({
  id: 'in-house-gpu',
  tier: 'local',
  maxConcurrency: 2,
  operations: {
    // A real one would call your service with context.http (a ky instance bound to the call's deadline).
    generate: async () => {
      throw pixmuxError('provider_error', 'in-house-gpu: CUDA out of memory', { provider: 'in-house-gpu', retryable: false });
    },
  },
});

const backup = defineProvider({
  id: 'backup',
  tier: 'cheap',
  price: (_operation, request) => 0.003 * request.n,
  operations: {
    generate: async (request, context) => {
      if (request.seed === undefined) context.warn('backup: no seed given, results are not reproducible');
      const { width = 64, height = 64 } = request.size ?? {};
      return { images: [{ bytes: solidPng(width, height) }], model: 'backup-v1' };
    },
  },
});

const px = createPixmux({
  providers: [inHouseGpu, backup],
  onEvent: (event) => console.log(`  event ${event.type}${'provider' in event ? ` ${event.provider}` : ''}`),
});

const result = await px.generate({ prompt: 'a red bicycle on a white background', size: '256x128' });
console.log(`provider ${result.provider}, model ${result.model}, cost $${result.costUsd}, ${result.images[0].width}x${result.images[0].height} ${result.images[0].mediaType}`);
console.log('attempts', result.attempts.map((a) => `${a.provider}:${a.ok ? 'ok' : a.error.code}`).join(' → '));
console.log('warnings', result.warnings);

/** A solid-colour PNG, so the example needs no image library. */
function solidPng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([220, 40, 40], y * (1 + width * 3) + 1 + x * 3);
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
