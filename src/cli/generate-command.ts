import { existsSync, mkdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { createPixmux, PixmuxError } from 'pixmux';
import type { CliArgs } from './args.js';
import { loadConfig, resolveBudget, resolveOrder, resolveProviders } from './config.js';
import { extensionFor } from './inputs.js';
import { explainAttempts } from './summary.js';
import { EXIT, UsageError } from './usage.js';

const SIZE = /^\d+x\d+$/;

/** Where image i of n goes: `-o cat.png` is a file (cat-2.png … for n > 1); a directory (or a path without extension) gets image-<seed|time>-i. */
function targets(out: string, n: number, format: string, seed: number | undefined): string[] {
  const isDir = (existsSync(out) && statSync(out).isDirectory()) || out.endsWith('/') || extname(out) === '';
  if (isDir) {
    const stem = `image-${seed ?? Date.now()}`;
    return Array.from({ length: n }, (_, i) => join(out, `${stem}${n > 1 ? `-${i + 1}` : ''}${extensionFor(format)}`));
  }
  const ext = extname(out);
  return Array.from({ length: n }, (_, i) => (i === 0 ? out : `${out.slice(0, -ext.length)}-${i + 1}${ext}`));
}

/** `pixmux generate "prompt" -o <file|dir>`: one call, its images written out, provider and cost printed. */
export async function runGenerateCommand(args: CliArgs): Promise<number> {
  const prompt = args.positionals[0];
  if (!prompt || args.positionals.length > 1) throw new UsageError('generate takes one prompt (quote it): pixmux generate "a red bicycle" -o bike.png');
  if (args.out === undefined) throw new UsageError('-o <file|dir> is required');
  if (args.size !== undefined && !SIZE.test(args.size)) throw new UsageError(`--size must be WIDTHxHEIGHT, got ${JSON.stringify(args.size)}`);
  const config = await loadConfig(args.config);
  const providers = await resolveProviders(config, args, 'generate');
  const order = resolveOrder(config, args, providers);
  const budget = resolveBudget(config, args);
  const px = createPixmux({ providers, ...(config.policy ? { policy: config.policy } : {}), ...(budget ? { budget } : {}), ...(config.cache !== undefined ? { cache: config.cache } : {}) });
  const n = args.n ?? 1;
  const files = targets(args.out, n, args.format, args.seed);
  if (!args.force && files.every((file) => existsSync(file))) {
    process.stdout.write(args.json ? `${JSON.stringify({ skipped: true, files })}\n` : `skip: ${files.join(', ')} exist (--force to redo)\n`);
    await px.dispose();
    return EXIT.ok;
  }
  try {
    const result = await px.generate({
      prompt,
      n,
      format: args.format,
      ...(args.size ? { size: args.size } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(order ? { providers: order } : {}),
    });
    for (const [i, image] of result.images.entries()) {
      mkdirSync(dirname(files[i]!), { recursive: true });
      await writeFile(files[i]!, image.bytes);
    }
    const written = files.slice(0, result.images.length);
    if (args.json) process.stdout.write(`${JSON.stringify({ files: written, provider: result.provider, model: result.model, costUsd: result.costUsd, warnings: result.warnings, why: explainAttempts(result.attempts, result.provider) })}\n`);
    else {
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`wrote ${written.join(', ')} (${result.provider}${result.model ? `, ${result.model}` : ''}, $${result.costUsd.toFixed(4)})\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (!PixmuxError.isInstance(error)) throw error;
    if (args.json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message }, attempts: error.attempts })}\n`);
    else process.stderr.write(`${error.code}: ${error.message}\n`);
    return EXIT.failed;
  } finally {
    await px.dispose();
  }
}
