import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PixmuxError } from 'pixmux';
import type { CliArgs } from './args.js';
import { EXIT, UsageError } from './usage.js';

type LocalModule = typeof import('pixmux/providers/local');
type Spec = import('pixmux/providers/local').ModelSpec;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** `<cache>/models/<id>/<file>`, the layout the local provider documents. */
const filePath = (cacheDir: string, spec: Spec, name: string) => join(cacheDir, 'models', spec.id, name);

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The SHA-256 a verified download recorded next to the file (`<file>.verified.json`), if any. */
function recordedSha256(path: string): string | undefined {
  try {
    const record = JSON.parse(readFileSync(`${path}.verified.json`, 'utf8')) as { sha256?: unknown };
    return typeof record.sha256 === 'string' ? record.sha256 : undefined;
  } catch {
    return undefined;
  }
}

function lookup(models: LocalModule['MODELS'], id: string | undefined): Spec {
  if (id === undefined) throw new UsageError(`name a model: ${Object.keys(models).join(', ')}`);
  const spec = (models as Record<string, Spec | undefined>)[id];
  if (!spec) throw new UsageError(`unknown model "${id}" (known: ${Object.keys(models).join(', ')})`);
  return spec;
}

/** `pixmux models list | pull <id> | verify [<id>]`: the local provider's manifest, cache and downloads. */
export async function runModelsCommand(args: CliArgs): Promise<number> {
  const [action, id, ...rest] = args.positionals;
  if (rest.length > 0) throw new UsageError(`models ${action}: unexpected ${rest.join(' ')}`);
  const { MODELS, DEFAULT_MODELS, ensureModel, resolveCacheDir } = (await import('pixmux/providers/local')) as LocalModule;
  const cacheDir = resolveCacheDir();
  const defaults = new Set(Object.values(DEFAULT_MODELS));

  if (action === 'list' || action === undefined) {
    const rows = (Object.values(MODELS) as Spec[]).map((spec) => {
      const size = spec.files.reduce((sum, file) => sum + (file.size ?? 0), 0);
      const cached = spec.files.every((file) => existsSync(filePath(cacheDir, spec, file.name)));
      return { id: spec.id, operation: spec.operation, sizeBytes: size, license: spec.license, commercial: spec.commercial, default: defaults.has(spec.id), cached, ...(spec.role ? { role: spec.role } : {}), ...(spec.notes ? { notes: spec.notes } : {}) };
    });
    if (args.json) process.stdout.write(`${JSON.stringify({ cacheDir, models: rows })}\n`);
    else {
      process.stdout.write(`models (cache: ${cacheDir})\n`);
      for (const row of rows) {
        const flags = [row.default ? 'default' : '', row.cached ? 'cached' : '', row.commercial ? '' : 'non-commercial', row.role ?? ''].filter(Boolean).join(', ');
        process.stdout.write(`  ${row.id.padEnd(26)} ${row.operation.padEnd(17)} ${mb(row.sizeBytes).padStart(9)}  ${row.license.padEnd(14)} ${flags}\n`);
      }
    }
    return EXIT.ok;
  }

  if (action === 'pull') {
    const spec = lookup(MODELS, id);
    const specs = [spec, ...(spec.requires ?? []).map((required) => lookup(MODELS, required))];
    const tty = process.stderr.isTTY === true && !args.json;
    let last = 0;
    try {
      for (const model of specs) {
        const result = await ensureModel(model, {
          cacheDir,
          onProgress: ({ file, receivedBytes, totalBytes }) => {
            const now = Date.now();
            if (now - last < (tty ? 100 : 2000) && receivedBytes !== totalBytes) return;
            last = now;
            const fraction = totalBytes > 0 ? receivedBytes / totalBytes : 0;
            const bar = `[${'#'.repeat(Math.round(fraction * 24)).padEnd(24, '-')}]`;
            const text = `${model.id}/${file} ${bar} ${mb(receivedBytes)} of ${totalBytes > 0 ? mb(totalBytes) : '?'}`;
            process.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
          },
        });
        if (tty) process.stderr.write('\n');
        process.stdout.write(args.json ? `${JSON.stringify({ id: model.id, paths: result.paths, downloaded: result.downloaded })}\n` : `${model.id}: ${result.downloaded ? 'downloaded and verified' : 'already cached'} (${result.paths.join(', ')})\n`);
      }
      return EXIT.ok;
    } catch (error) {
      if (!PixmuxError.isInstance(error)) throw error;
      process.stderr.write(`${error.code}: ${error.message}\n`);
      return EXIT.failed;
    }
  }

  if (action === 'verify') {
    const specs: Spec[] = id === undefined ? (Object.values(MODELS) as Spec[]) : [lookup(MODELS, id)];
    let bad = 0;
    const results: { id: string; file: string; state: 'ok' | 'missing' | 'mismatch'; detail?: string }[] = [];
    for (const spec of specs) {
      for (const file of spec.files) {
        const path = filePath(cacheDir, spec, file.name);
        if (!existsSync(path)) {
          if (id !== undefined) results.push({ id: spec.id, file: file.name, state: 'missing' });
          continue;
        }
        const digest = await sha256(path);
        const size = statSync(path).size;
        // No pinned hash (checked against the one Hugging Face declared when downloading): the SHA-256 its verified
        // download recorded beside it is what the bytes must still have.
        const expected = file.sha256 ?? recordedSha256(path);
        const ok = expected !== undefined && digest === expected.toLowerCase() && (file.size === undefined || file.size === size);
        if (!ok) bad += 1;
        const wanted = expected === undefined ? 'no pinned or recorded hash (download it again with models pull)' : `expected ${expected}${file.size === undefined ? '' : `, ${file.size} bytes`}`;
        results.push({ id: spec.id, file: file.name, state: ok ? 'ok' : 'mismatch', ...(ok ? {} : { detail: `sha256 ${digest}, ${size} bytes; ${wanted}` }) });
      }
    }
    if (id !== undefined && results.some((result) => result.state === 'missing')) bad += 1;
    if (args.json) process.stdout.write(`${JSON.stringify({ cacheDir, files: results })}\n`);
    else {
      if (results.length === 0) process.stdout.write(`no model is cached in ${cacheDir}\n`);
      for (const result of results) process.stdout.write(`${result.state.padEnd(8)} ${result.id}/${result.file}${result.detail ? `: ${result.detail}` : ''}\n`);
    }
    return bad > 0 ? EXIT.failed : EXIT.ok;
  }
  throw new UsageError(`models: unknown action "${action}" (list, pull <id>, verify [<id>])`);
}
