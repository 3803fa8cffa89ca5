import { defineProvider, type ProviderDefinition, type ProviderResult } from 'pixmux';
import { makePng } from './images.js';

/** A provider whose generate answers with a small PNG; override anything. */
export function fakeProvider(overrides: Partial<ProviderDefinition> & { id: string }) {
  return defineProvider({
    tier: 'cheap',
    operations: {
      generate: async (): Promise<ProviderResult> => ({ images: [{ bytes: makePng(8, 8) }], model: 'fake-model', costUsd: 0.001 }),
    },
    ...overrides,
  });
}
