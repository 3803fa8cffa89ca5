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
