import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests `npm run mutation` runs against each mutant: the core and the policy suites, which exercise
 * src/policy, src/budget, src/errors and src/image. Left out: the chaos run (60 s of random load, no finer a
 * check than the rest), and the tests that bundle or spawn a separate runtime (lazy-native, edge-runtime), which
 * cannot see an in-process mutant.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/core/**/*.test.ts', 'test/policy/**/*.test.ts'],
      exclude: ['test/policy/chaos.test.ts', 'test/core/lazy-native.test.ts', 'test/core/edge-runtime.test.ts'],
    },
  }),
);
