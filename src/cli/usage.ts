/** A mistake in how the command was called: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const USAGE = `pixmux — one interface over local ONNX models and hosted image APIs

Usage:
  pixmux remove-bg <files|dirs|globs…> -o <dir> [options]
  pixmux restore-face <files|dirs|globs…> -o <dir> [options]
  pixmux generate "<prompt>" -o <file|dir> [--n 1] [--size 1024x1024] [--seed 7] [options]
  pixmux models list | pull <id> | verify [<id>]
  pixmux providers
  pixmux remove-bg|restore-face <files|dirs|globs…> --queue redis://… [--queue-name pixmux]   (enqueue only)
  pixmux worker --queue redis://… -o <dir> [--concurrency n] [--budget <usd a day, fleet-wide>] [--input-root <dir>]

Options:
  -o, --out <path>        where outputs go (a directory; for generate, a file or a directory)
  --provider <id>         use this provider; repeat to set the order (default: all configured, by tier)
  --model <id|path>       local model: a manifest id (downloaded on first use) or an .onnx file; generate: a model folder
  --preset <id>           preprocessing preset for a model file (sinet, u2net, birefnet, gfpgan, …); generate: sd-turbo or lcm
  --concurrency <n>       items in flight (default 8)
  --format <png|jpeg|webp> output format (default png)
  --budget <usd>          the most this run may spend
  --force                 redo items whose output exists (default: skip them, so a run resumes)
  --failures <file.json>  write the failed items and their reasons
  --report <file.html>    write a self-contained HTML report (thumbnails, providers, costs, failures)
  --config <file>         pixmux.config.json or pixmux.config.mjs (default: one in the current directory)
  --json                  machine-readable output: one JSON summary on stdout
  --queue <redis://…>     enqueue the inputs there (workers read them by path), or, for worker, work jobs from there
  --queue-name <name>     the queue's name (default pixmux)
  --input-root <dir>      worker: read job images only from inside this folder (anyone who can write to the
                          Redis can name a path; without it the worker reads any file it can)
  -h, --help              this text

Exit codes: 0 every item succeeded, 1 any item failed, 2 usage error.
Configuration: the vendors' environment variables (OPENAI_API_KEY, REPLICATE_API_TOKEN, FAL_KEY, STABILITY_API_KEY,
PIXELAPI_API_KEY, REMOVE_BG_API_KEY, HF_TOKEN, PHOTOROOM_API_KEY, CLIPDROP_API_KEY) and an optional pixmux.config.json / pixmux.config.mjs; flags override both.`;
