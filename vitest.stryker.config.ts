import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests `npm run mutation` runs against each mutant: the core and the policy suites, which exercise
 * src/policy, src/budget, src/errors and src/image. Left out: the chaos run (a minute of random load, no finer a
 * check than the rest), and the tests that bundle or spawn a separate runtime (lazy-native, edge-runtime), which
 * cannot see an in-process mutant. (Built by hand, not with mergeConfig, which would append to the base `include`.)
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/core/**/*.test.ts', 'test/policy/**/*.test.ts'],
    exclude: ['test/policy/chaos.test.ts', 'test/core/lazy-native.test.ts', 'test/core/edge-runtime.test.ts'],
  },
});
