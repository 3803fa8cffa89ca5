import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

export const FORMATS = ['png', 'jpeg', 'webp'] as const;
export type Format = (typeof FORMATS)[number];

/** Every flag the command knows; each subcommand checks which ones it takes. */
const OPTIONS = {
  out: { type: 'string', short: 'o' },
  provider: { type: 'string', multiple: true },
  model: { type: 'string' },
  preset: { type: 'string' },
  concurrency: { type: 'string' },
  format: { type: 'string' },
  budget: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  failures: { type: 'string' },
  report: { type: 'string' },
  config: { type: 'string' },
  n: { type: 'string' },
  size: { type: 'string' },
  seed: { type: 'string' },
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
  'input-root': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliArgs {
  command: string | undefined;
  positionals: string[];
  out: string | undefined;
  providers: string[] | undefined;
  model: string | undefined;
  preset: string | undefined;
  concurrency: number;
  format: Format;
  budgetUsd: number | undefined;
  force: boolean;
  json: boolean;
  failures: string | undefined;
  report: string | undefined;
  config: string | undefined;
  n: number | undefined;
  size: string | undefined;
  seed: number | undefined;
  /** A Redis URL: remove-bg / restore-face enqueue there instead of running; `worker` works jobs from there. */
  queue: string | undefined;
  queueName: string;
  /** worker: the folder job paths must lie in (symlinks resolved); unset, any file the worker can read. */
  inputRoot: string | undefined;
  help: boolean;
}

function number(value: string | undefined, flag: string, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw new UsageError(`--${flag} must be ${what}, got ${JSON.stringify(value)}`);
  return parsed;
}

const wholeAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;

/** Parses argv (without node and the script); throws UsageError for anything it cannot take. */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const format = values.format ?? 'png';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if (values.preset !== undefined && values.model === undefined) throw new UsageError('--preset goes with --model <file.onnx>');
  return {
    command: positionals[0],
    positionals: positionals.slice(1),
    out: values.out,
    providers: values.provider,
    model: values.model,
    preset: values.preset,
    concurrency: number(values.concurrency, 'concurrency', wholeAtLeast(1), 'a whole number ≥ 1') ?? 8,
    format: format as Format,
    budgetUsd: number(values.budget, 'budget', (n) => n >= 0, 'a number of dollars ≥ 0'),
    force: values.force ?? false,
    json: values.json ?? false,
    failures: values.failures,
    report: values.report,
    config: values.config,
    n: number(values.n, 'n', (n) => wholeAtLeast(1)(n) && n <= 10, 'a whole number from 1 to 10'),
    size: values.size,
    seed: number(values.seed, 'seed', wholeAtLeast(0), 'a whole number ≥ 0'),
    queue: values.queue,
    queueName: values['queue-name'] ?? 'pixmux',
    inputRoot: values['input-root'],
    help: values.help ?? false,
  };
}
