#!/usr/bin/env node
// The `pixmux` command. Built on the public surface only (`pixmux`, `pixmux/providers/*`), like any user's script.
import { PixmuxError } from 'pixmux';
import { parseCliArgs } from './args.js';
import { runBatchCommand } from './batch-command.js';
import { runEnqueueCommand, runWorkerCommand } from './queue-commands.js';
import { runGenerateCommand } from './generate-command.js';
import { runModelsCommand } from './models-command.js';
import { runProvidersCommand } from './providers-command.js';
import { EXIT, USAGE, UsageError } from './usage.js';

async function main(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help || args.command === undefined || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return args.command === undefined && !args.help ? EXIT.usage : EXIT.ok;
  }
  switch (args.command) {
    case 'remove-bg':
      return args.queue ? runEnqueueCommand('removeBackground', args) : runBatchCommand('removeBackground', args);
    case 'restore-face':
      return args.queue ? runEnqueueCommand('restoreFace', args) : runBatchCommand('restoreFace', args);
    case 'worker':
      return runWorkerCommand(args);
    case 'generate':
      return runGenerateCommand(args);
    case 'models':
      return runModelsCommand(args);
    case 'providers':
      return runProvidersCommand(args);
    default:
      throw new UsageError(`unknown command "${args.command}" (remove-bg, restore-face, generate, models, providers, worker)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`pixmux: ${error.message}\nRun pixmux --help for usage.\n`);
      process.exitCode = EXIT.usage;
    } else if (PixmuxError.isInstance(error)) {
      process.stderr.write(`pixmux: ${error.code}: ${error.message}\n`);
      process.exitCode = error.code === 'invalid_request' ? EXIT.usage : EXIT.failed;
    } else {
      process.stderr.write(`pixmux: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
