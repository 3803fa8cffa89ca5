import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { pixmux: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Generous, for a loaded machine (the suite must pass with both cores busy elsewhere). No test asserts elapsed
    // time; a test that checks "this does not hang" holds its work for ten minutes, far past this bound.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    restoreMocks: true,
  },
});
