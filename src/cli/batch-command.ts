import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { createPixmux, type PixmuxError, type PixmuxResult } from 'pixmux';
import type { CliArgs } from './args.js';
import { loadConfig, resolveBudget, resolveOrder, resolveProviders } from './config.js';
import { checkInputs, inputFiles, outputPath, type InputFile } from './inputs.js';
import { createProgress, type ProgressState } from './progress.js';
import { createReport } from './report.js';
import { createSummary, explainAttempts, type FailureRecord } from './summary.js';
import { EXIT, UsageError } from './usage.js';

type BatchOperation = 'removeBackground' | 'restoreFace';

/** What a request carries through px.batch besides itself: kept only while the item is in flight. */
interface InFlight {
  input: InputFile;
  output: string;
}

/** Media type of an input file, for the report's thumbnail (pixmux sniffs the bytes itself for the call). */
const mediaTypeOf = (path: string) => {
  const ext = path.toLowerCase().split('.').pop();
  return ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : `image/${ext}`;
};

/**
 * `pixmux remove-bg` / `pixmux restore-face`: every input photo through px.batch, streaming. Inputs are walked
 * lazily and read only when the batch has room for them; an output already present is skipped unless --force.
 */
export async function runBatchCommand(operation: BatchOperation, args: CliArgs): Promise<number> {
  if (args.out === undefined) throw new UsageError('-o <dir> is required: where the outputs go');
  checkInputs(args.positionals);
  const config = await loadConfig(args.config);
  const providers = await resolveProviders(config, args, operation);
  if (providers.length === 0) throw new UsageError('no provider configured');
  const order = resolveOrder(config, args, providers);
  const budget = resolveBudget(config, args);
  const px = createPixmux({
    providers,
    ...(config.policy ? { policy: config.policy } : {}),
    ...(budget ? { budget } : {}),
    ...(config.cache !== undefined ? { cache: config.cache } : {}),
    ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
  });

  const out = args.out;
  mkdirSync(out, { recursive: true });
  const log = args.json ? process.stderr : process.stdout;
  const state: ProgressState = { done: 0, failed: 0, skipped: 0, total: undefined, costUsd: 0, startedAt: Date.now() };
  const progress = createProgress(process.stderr, state);
  const summary = createSummary();
  const report = args.report ? createReport(args.report, `pixmux ${operation === 'removeBackground' ? 'remove-bg' : 'restore-face'}: ${new Date().toISOString()}`) : undefined;
  const failures: FailureRecord[] = [];
  const inFlight = new Map<number, InFlight>();
  const line = (text: string) => {
    if (progress.tty) {
      progress.clear();
      process.stderr.write(`${text}\n`);
      progress.update(true);
    } else log.write(`${text}\n`);
  };
  const show = (path: string) => relative(process.cwd(), path) || path;

  // On a terminal, the total for the bar comes from a second lazy walk, run beside the batch.
  if (progress.tty) {
    void (async () => {
      let total = 0;
      for await (const _ of inputFiles(args.positionals)) total += 1;
      state.total = total;
    })().catch(() => undefined);
  }

  let index = 0;
  async function* requests() {
    for await (const input of inputFiles(args.positionals)) {
      const output = outputPath(out, input, args.format);
      if (!args.force && existsSync(output)) {
        state.skipped += 1;
        summary.skipped();
        if (!progress.tty) line(`skip ${show(input.path)} (${show(output)} exists)`);
        progress.update();
        continue;
      }
      const image = await readFile(input.path);
      inFlight.set(index++, { input, output });
      yield { image, format: args.format, ...(order ? { providers: order } : {}) };
    }
  }

  const onResult = async (meta: InFlight, before: Uint8Array, result: PixmuxResult) => {
    const image = result.images[0]!;
    mkdirSync(dirname(meta.output), { recursive: true });
    await writeFile(meta.output, image.bytes);
    state.done += 1;
    state.costUsd += result.costUsd;
    summary.succeeded(result);
    const why = explainAttempts(result.attempts, result.provider);
    if (!progress.tty) line(`ok   ${show(meta.input.path)} → ${show(meta.output)} (${result.provider}${result.cached ? ', cached' : ''}, $${result.costUsd.toFixed(4)}${why === 'first choice' ? '' : `; ${why}`})`);
    report?.add({
      input: show(meta.input.path),
      output: show(meta.output),
      before: { bytes: before, mediaType: mediaTypeOf(meta.input.path) },
      after: { bytes: image.bytes, mediaType: image.mediaType },
      provider: result.provider,
      why,
      costUsd: result.costUsd,
    });
  };

  const onFailure = (meta: InFlight, before: Uint8Array, error: PixmuxError) => {
    state.failed += 1;
    summary.failed(error);
    const attempts = error.attempts ?? [];
    const cost = attempts.reduce((sum, attempt) => sum + (attempt.costUsd ?? 0), 0);
    state.costUsd += cost;
    failures.push({ input: meta.input.path, code: error.code, message: error.message, attempts });
    line(`FAIL ${show(meta.input.path)}: ${error.code}: ${error.message}`);
    report?.add({
      input: show(meta.input.path),
      before: { bytes: before, mediaType: mediaTypeOf(meta.input.path) },
      why: explainAttempts(attempts, undefined),
      costUsd: cost,
      error: { code: error.code, message: error.message },
    });
  };

  try {
    for await (const item of px.batch(operation, requests(), { concurrency: args.concurrency ?? config.concurrency })) {
      const meta = inFlight.get(item.index)!;
      inFlight.delete(item.index);
      const before = item.request.image as Uint8Array;
      if (item.ok) await onResult(meta, before, item.result);
      else onFailure(meta, before, item.error);
      progress.update();
    }
  } finally {
    progress.end();
    await px.dispose();
  }

  if (args.failures) writeFileSync(args.failures, `${JSON.stringify(failures, null, 2)}\n`);
  report?.finish(summary);
  // Under `node --expose-gc` (the memory tests), collect first, so heapUsed is what the run still holds.
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({
        ...summary.toJSON(),
        ...(args.failures ? { failuresFile: args.failures } : {}),
        ...(args.report ? { reportFile: args.report } : {}),
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, maxRssBytes: process.resourceUsage().maxRSS * 1024 },
      })}\n`,
    );
  } else {
    for (const text of summary.lines()) process.stdout.write(`${text}\n`);
    if (args.failures && failures.length > 0) process.stdout.write(`failures written to ${args.failures}\n`);
    if (args.report) process.stdout.write(`report written to ${args.report}\n`);
  }
  return state.failed > 0 ? EXIT.failed : EXIT.ok;
}
