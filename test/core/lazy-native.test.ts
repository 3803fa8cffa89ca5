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
