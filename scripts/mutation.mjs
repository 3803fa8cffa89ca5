#!/usr/bin/env node
// `npm run mutation [-- --mutate 'src/cache/**/*.ts' --concurrency 2 --force]`: StrykerJS on src/ (stryker.config.mjs).
//
// StrykerJS 10's command line refuses Node < 22 at import time, while pixmux supports (and CI runs) Node 20.19+; its
// engine itself runs on Node 20, so this runs the `Stryker` class directly. On Node ≥ 22 this is the same as
// `npx stryker run` with the same flags.
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mutate: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    force: { type: 'boolean', default: false },
    'log-level': { type: 'string' },
  },
  strict: true,
});

const cliOptions = {};
if (values.mutate) cliOptions.mutate = values.mutate.flatMap((glob) => glob.split(',')).filter(Boolean);
if (values.concurrency) cliOptions.concurrency = Number(values.concurrency);
if (values.force) cliOptions.force = true;
if (values['log-level']) cliOptions.logLevel = values['log-level'];

// The package's only export runs the CLI's Node version guard; the engine class lives beside it.
const require = createRequire(import.meta.url);
const coreDir = dirname(require.resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(join(coreDir, 'dist/src/stryker.js')).href);

const results = await new Stryker(cliOptions).runMutationTest();
const killed = results.filter((mutant) => ['Killed', 'Timeout'].includes(mutant.status)).length;
const valid = results.filter((mutant) => !['CompileError', 'RuntimeError', 'Ignored'].includes(mutant.status)).length;
console.log(`mutation score: ${valid === 0 ? 'n/a' : ((100 * killed) / valid).toFixed(2)} % (${killed} of ${valid} mutants killed or timed out)`);
