import { resolve } from 'node:path';
import { createPixmux, redisBudgetStore, type BudgetOptions } from 'pixmux';
import type { CliArgs } from './args.js';
import { loadConfig, resolveProviders, type CliConfig } from './config.js';
import { checkInputs, inputFiles } from './inputs.js';
import { EXIT, UsageError } from './usage.js';

type QueuedOperation = 'removeBackground' | 'restoreFace';

/** The Redis a command talks to, for messages: never its password. */
export function describeRedis(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'the Redis given by --queue';
  }
}

/**
 * A job id from an input's name (its path below the folder it came from): segments keep letters, digits, '.', '_'
 * and '-', anything else becomes '_'. The id names the worker's output file, and enqueueing the same folder again
 * adds nothing that is already queued or done.
 */
export function jobIdFor(name: string): string {
  const segments = name.split(/[\\/]+/).filter(Boolean).map((segment) => {
    const clean = segment.replace(/[^A-Za-z0-9._-]/g, '_');
    return clean === '.' || clean === '..' ? '_' : clean;
  });
  const id = segments.join('/').slice(-200);
  return /^\d+$/.test(id) ? `_${id}` : id;
}

/** `pixmux remove-bg … --queue redis://…`: enqueues every input by absolute path (workers must see the same files). */
export async function runEnqueueCommand(operation: QueuedOperation, args: CliArgs): Promise<number> {
  if (args.out !== undefined) throw new UsageError('with --queue, results go where the workers write them (pixmux worker -o <dir>); drop -o here');
  checkInputs(args.positionals);
  const { createQueue } = await import('pixmux/queue');
  const queue = createQueue({ connection: args.queue!, name: args.queueName });
  async function* jobs() {
    for await (const input of inputFiles(args.positionals)) {
      yield { request: { image: resolve(input.path), format: args.format, ...(args.providers ? { providers: args.providers } : {}) }, jobId: jobIdFor(input.name) };
    }
  }
  try {
    const ids = await queue.enqueueMany(operation, jobs());
    const progress = await queue.progress();
    if (args.json) process.stdout.write(`${JSON.stringify({ enqueued: ids.length, queue: args.queueName, progress })}\n`);
    else {
      process.stdout.write(`enqueued ${ids.length} job(s) on queue "${args.queueName}" at ${describeRedis(args.queue!)}\n`);
      process.stdout.write(`queue now: ${progress.waiting} waiting, ${progress.active} active, ${progress.done} done, ${progress.failed} failed, $${progress.costUsd.toFixed(4)} spent\n`);
    }
  } finally {
    await queue.close();
  }
  return EXIT.ok;
}

/**
 * `pixmux worker --queue redis://… -o <dir>`: works jobs with this machine's providers (the config file's, or local
 * plus every vendor with a key) until SIGTERM or Ctrl-C, which let the running jobs finish. `--budget` is dollars a
 * day for the whole fleet, counted in the same Redis.
 */
export async function runWorkerCommand(args: CliArgs): Promise<number> {
  if (!args.queue) throw new UsageError('worker needs --queue redis://…: the queue to work');
  if (args.out === undefined) throw new UsageError('-o <dir> is required: where the worker writes results');
  if (args.positionals.length > 0) throw new UsageError(`worker takes no inputs (got ${args.positionals.join(' ')}); enqueue them with pixmux remove-bg … --queue`);
  const config = await loadConfig(args.config);
  const providers = await resolveProviders(config, args, undefined);
  if (providers.length === 0) throw new UsageError('no provider configured');
  const shared = await sharedBudget(config, args);
  const px = createPixmux({
    providers,
    // Jobs from the CLI carry the paths of the inputs: a worker reads files, as the batch command does; with
    // --input-root only those inside that folder (the core resolves links and refuses paths that leave it).
    input: { files: args.inputRoot ? { root: resolve(args.inputRoot) } : true },
    ...(config.policy ? { policy: config.policy } : {}),
    ...(shared ? { budget: shared.budget } : {}),
    ...(config.cache !== undefined ? { cache: config.cache } : {}),
    ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
  });
  const counts = { done: 0, failed: 0, costUsd: 0 };
  const log = args.json ? process.stderr : process.stdout;
  const { createWorker } = await import('pixmux/queue');
  const worker = await createWorker(px, {
    connection: args.queue,
    name: args.queueName,
    output: args.out,
    concurrency: args.concurrency,
    onJob: (outcome) => {
      if (outcome.ok) {
        counts.done += 1;
        counts.costUsd += outcome.result.costUsd;
        log.write(`ok   ${outcome.id} → ${outcome.result.outputs.join(', ')} (${outcome.result.provider}, $${outcome.result.costUsd.toFixed(4)})\n`);
      } else {
        if (!outcome.willRetry) counts.failed += 1;
        counts.costUsd += outcome.failure.costUsd;
        log.write(`${outcome.willRetry ? 'RETRY' : 'FAIL'} ${outcome.id}: ${outcome.failure.code}: ${outcome.failure.message}\n`);
      }
    },
  });
  log.write(`worker on queue "${args.queueName}" at ${describeRedis(args.queue)}: ${args.concurrency} at a time, writing to ${resolve(args.out)} (SIGTERM or Ctrl-C stops after the running jobs)\n`);
  const stop = () => void worker.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await worker.closed;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await px.dispose();
    await shared?.close();
  }
  if (args.json) process.stdout.write(`${JSON.stringify(counts)}\n`);
  else process.stdout.write(`worker stopped: ${counts.done} done, ${counts.failed} failed, $${counts.costUsd.toFixed(4)} spent here\n`);
  return EXIT.ok;
}

/** The budget of a worker: the config's limits plus --budget dollars a day, counted for the whole fleet in the queue's Redis. */
async function sharedBudget(config: CliConfig, args: CliArgs): Promise<{ budget: BudgetOptions; close: () => Promise<void> } | undefined> {
  const base = typeof config.budget === 'object' ? config.budget : undefined;
  const usd = args.budgetUsd ?? (typeof config.budget === 'number' ? config.budget : undefined);
  const limits = [...(base?.limits ?? []), ...(usd === undefined ? [] : [{ usd, per: 'day' as const }])];
  if (limits.length === 0) return base ? { budget: base, close: async () => {} } : undefined;
  if (base?.store) return { budget: { ...base, limits }, close: async () => {} };
  const { Redis } = await import('ioredis');
  const client = new Redis(args.queue!, { maxRetriesPerRequest: 3 });
  client.on('error', () => {});
  return {
    budget: { ...base, limits, store: redisBudgetStore({ client }) },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
