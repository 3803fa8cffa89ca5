// Mutation testing of the core: `npm run mutation` (scripts/mutation.mjs) (not part of CI; run it before closing an issue that touches src/).
// Mutates src/policy, src/budget, src/errors and src/image by default; pass other globs on the command line:
//   npm run mutation -- --mutate 'src/cache/**/*.ts'
//   npm run mutation -- --mutate 'src/image/**/*.ts' --concurrency 1 --force
// Incremental: unchanged mutants keep their last result (reports/stryker-incremental.json); add --force to redo all.
// Reports: reports/mutation/mutation.json (and the clear-text table on stdout). reports/ is gitignored.
import { resolve } from 'node:path';

// Stryker runs the tests in a sandbox copy under .stryker-tmp/, where the helpers' default `../shared` would point
// inside the repo: give them the real reference folder beside the checkout.
process.env.PIXMUX_SHARED_DIR ??= resolve(import.meta.dirname, '../shared');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  mutate: ['src/policy/**/*.ts', 'src/budget/**/*.ts', 'src/errors/**/*.ts', 'src/image/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Module-level constants (schemas, tables) would need the whole suite per mutant; their use is covered by the tests.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 5_000,
  timeoutFactor: 1.5,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
