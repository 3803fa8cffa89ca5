import { describe, expect, it } from 'vitest';
import { probeNativeLoads } from '../helpers/native-probe.js';

/** Importing pixmux or an HTTP provider must load no native code: neither onnxruntime-node nor sharp. */
describe('importing pixmux', () => {
  it('loads neither onnxruntime-node nor sharp', async () => {
    const { probe, loaded } = await probeNativeLoads(
      { core: 'src/index.ts', provider: 'providers/openai-compatible/index.ts' },
      `const px = core.createPixmux({ providers: [provider.openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' })] });
       globalThis.probe = { exports: Object.keys(core).length, providers: px.providers };`,
    );
    expect(probe.exports).toBeGreaterThan(10);
    expect(probe.providers).toEqual(['openai-compatible']);
    expect(loaded).not.toMatch(/onnxruntime/i);
    expect(loaded).not.toMatch(/sharp|libvips/i);
    // Optional peers of other subpaths stay unloaded too (bullmq and its ioredis belong to pixmux/queue).
    expect(loaded).not.toMatch(/bullmq|ioredis|msgpackr/i);
  });

  it('pixmux/queue loads bullmq and ioredis on first use, not at import or createQueue', async () => {
    const { probe, loaded } = await probeNativeLoads(
      { core: 'src/index.ts', queue: 'src/queue/index.ts' },
      `const cache = () => Object.keys(createRequire(import.meta.url).cache).join('\\n');
       const handle = queue.createQueue({ connection: 'redis://127.0.0.1:9', name: 'lazy' });
       const before = cache();
       // The probe's own control: loading ioredis does show up in what it reads.
       await import('ioredis');
       globalThis.probe = { before, after: cache(), methods: Object.keys(handle).sort() };`,
    );
    expect(probe.methods).toEqual(['close', 'enqueue', 'enqueueMany', 'finished', 'outcome', 'progress']);
    expect(probe.before).not.toMatch(/bullmq|ioredis/);
    expect(probe.after).toMatch(/ioredis/);
    expect(loaded).not.toMatch(/bullmq/);
  });
});

/** `pixmux/ai-sdk` imports only types from the AI SDK: neither it nor `pixmux` loads `ai` or `@ai-sdk/*`. */
describe('importing pixmux/ai-sdk', () => {
  it('loads neither ai nor @ai-sdk/* and works without them', async () => {
    const { probe, loaded } = await probeNativeLoads(
      { core: 'src/index.ts', aiSdk: 'src/ai-sdk/index.ts' },
      `const { readFileSync } = await import('node:fs');
       // Bundled with every package left external, so each bare import the entries make at run time is still here.
       const imports = (name) => [...readFileSync(new URL('./' + name + '.mjs', import.meta.url), 'utf8').matchAll(/(?:from|import)\\s*\\(?\\s*["']([^"'.][^"']*)["']/g)].map((match) => match[1]);
       const px = core.createPixmux({ providers: [core.defineProvider({ id: 'stub', operations: { generate: async () => ({ images: [] }) } })] });
       const model = aiSdk.toAiSdk(px);
       const provider = aiSdk.fromAiSdk({ specificationVersion: 'v4', provider: 'acme.image', modelId: 'm', maxImagesPerCall: 1, doGenerate: async () => ({}) });
       globalThis.probe = { core: [...new Set(imports('core'))], aiSdk: [...new Set(imports('aiSdk'))], model: model.specificationVersion, provider: provider.id };`,
    );
    expect(probe).toMatchObject({ model: 'v4', provider: 'acme' });
    for (const entry of ['core', 'aiSdk'] as const) {
      expect(probe[entry], `${entry} imports`).not.toContainEqual(expect.stringMatching(/^(ai|@ai-sdk\/.*)$/));
    }
    expect(loaded).not.toMatch(/node_modules\/(ai|@ai-sdk)\//);
  });
});
