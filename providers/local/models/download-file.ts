import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeUrl, linkSignals, pixmuxError, sleep, type PixmuxError } from 'pixmux';
import { abortError, errnoCode, fileSystemError, throwIfAborted } from './abort.js';
import { createProgressReporter, type ProgressReporter } from './progress.js';
import { FileDigests, hashFileInto, recordVerified, verifyDigests, type DeclaredHash } from './verify.js';
import type { DownloadProgress, ModelFile } from './types.js';

export interface DownloadFileOptions {
  /** The model id, for progress events and messages. */
  model: string;
  fetch: typeof fetch;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  attemptsPerUrl: number;
  retryDelayMs: number;
  stallTimeoutMs: number;
}

/** How one attempt at one URL ended. */
type Outcome =
  | { kind: 'done'; sha256: string }
  /** Network failure, cut or stalled body: try the same URL again, resuming. */
  | { kind: 'retry'; reason: string }
  /** The URL answered with an error status: go to the next mirror. */
  | { kind: 'next'; reason: string; status: number }
  /** The bytes were wrong (the `.part` is deleted): go to the next mirror. */
  | { kind: 'corrupt'; reason: string };

interface Failure {
  url: string;
  outcome: Exclude<Outcome, { kind: 'done' }>;
}

/** Bytes hashed so far for the `.part` file, kept across attempts so a resume does not re-read the file. */
interface PartState {
  digests: FileDigests;
}

/**
 * Downloads one file to `dest` (the caller holds its lock): streams into `dest.part`, resumes with `Range`,
 * hashes while writing, fsyncs, checks size and hashes, renames atomically, and records the verification.
 * URLs are tried in order; each gets `attemptsPerUrl` tries after network failures.
 */
export async function downloadFile(file: ModelFile, dest: string, options: DownloadFileOptions): Promise<void> {
  const partPath = `${dest}.part`;
  const progress = createProgressReporter(options.model, file, options.onProgress);
  const failures: Failure[] = [];
  const part: { state: PartState | undefined } = { state: undefined };
  for (const url of file.urls) {
    for (let attempt = 1; attempt <= options.attemptsPerUrl; attempt++) {
      throwIfAborted(options.signal, `downloading ${file.name}`);
      const declaration = file.hashFrom === 'huggingface' ? await askDeclaredHash(url, file, options) : undefined;
      if (declaration && 'kind' in declaration) {
        failures.push({ url, outcome: declaration });
        if (declaration.kind !== 'retry' || attempt === options.attemptsPerUrl) break;
        continue;
      }
      // A size the server declares counts like a pinned one (the manifest's wins if both exist and differ: then the bytes fail).
      const expected = declaration?.size !== undefined && file.size === undefined ? { ...file, size: declaration.size } : file;
      const outcome = await attemptDownload(url, expected, partPath, part, progress, options, declaration?.hash);
      if (outcome.kind === 'done') {
        await finalize(partPath, dest, outcome.sha256);
        progress.complete((await stat(dest)).size);
        return;
      }
      failures.push({ url, outcome });
      if (outcome.kind !== 'retry' || attempt === options.attemptsPerUrl) break;
      await sleep(options.retryDelayMs * 2 ** (attempt - 1), options.signal).catch(() => {
        throw abortError(options.signal!, `downloading ${file.name}`);
      });
    }
  }
  throw failureError(file, options.model, dest, failures);
}

async function attemptDownload(
  url: string,
  file: ModelFile,
  partPath: string,
  part: { state: PartState | undefined },
  progress: ProgressReporter,
  options: DownloadFileOptions,
  declared: DeclaredHash | undefined,
): Promise<Outcome> {
  const have = await preparePart(file, partPath, part, options.signal, declared);
  progress.report(have, file.size ?? 0);
  if (file.size !== undefined && have === file.size) {
    const outcome = await verifyPart(partPath, part);
    return outcome.kind === 'corrupt' ? { kind: 'retry', reason: `${outcome.reason} (a complete .part was already on disk)` } : outcome;
  }

  const stall = new AbortController();
  const { signal, dispose: unlinkSignal } = linkSignals([options.signal, stall.signal]);
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const armStallTimer = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stall.abort(new Error(`no data for ${options.stallTimeoutMs} ms`)), options.stallTimeoutMs);
  };
  armStallTimer();
  try {
    let response: Response;
    try {
      response = await options.fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal, redirect: 'follow' });
    } catch (error) {
      return networkFailure(error, options.signal, stall.signal, file);
    }
    const start = startOffset(response, have);
    if (start === 'unsatisfiable') {
      // 416: nothing past what we have. It may be the whole file (size not in the manifest); else start over.
      await cancelBody(response);
      if (!part.state!.digests.peekMismatch()) return verifyPart(partPath, part);
      await resetPart(partPath, part);
      return { kind: 'retry', reason: `HTTP 416 for bytes=${have}-; starting over` };
    }
    if (start === 'error') {
      await cancelBody(response);
      return { kind: 'next', reason: `HTTP ${response.status}`, status: response.status };
    }
    if (start === 'mismatch') {
      await cancelBody(response);
      await resetPart(partPath, part);
      return { kind: 'retry', reason: `HTTP 206 with an unexpected Content-Range (${response.headers.get('content-range') ?? 'none'}); starting over` };
    }
    if (start === 0 && have > 0) {
      // The server ignored Range (HTTP 200): start over from zero with this response.
      await resetPart(partPath, part);
      part.state = { digests: new FileDigests(file, declared) };
    }
    const total = file.size ?? totalFromHeaders(response, start) ?? 0;
    const state = part.state!;
    const handle = await open(partPath, start === 0 ? 'w' : 'a').catch((error: unknown) => {
      throw fileSystemError(error, 'write', partPath);
    });
    try {
      const reader = response.body?.getReader();
      while (reader) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          await handle.sync().catch(() => {});
          return networkFailure(error, options.signal, stall.signal, file);
        }
        if (chunk.done) break;
        armStallTimer();
        const bytes = chunk.value;
        if (file.size !== undefined && state.digests.bytes + bytes.byteLength > file.size) {
          await reader.cancel().catch(() => {});
          await handle.close().catch(() => {});
          await rm(partPath, { force: true });
          part.state = undefined;
          return { kind: 'corrupt', reason: `the server sent more than the expected ${file.size} bytes` };
        }
        await writeAll(handle, bytes, partPath);
        state.digests.update(bytes);
        progress.report(state.digests.bytes, total);
      }
      await handle.sync();
    } finally {
      await handle.close().catch(() => {});
    }
    if (file.size !== undefined && state.digests.bytes < file.size) {
      return { kind: 'retry', reason: `the connection closed after ${state.digests.bytes} of ${file.size} bytes` };
    }
    const outcome = await verifyPart(partPath, part);
    // Bad bytes after resuming a .part found on disk may be the old file's (a changed manifest): one fresh try.
    if (outcome.kind === 'corrupt' && have > 0 && start === have) return { kind: 'retry', reason: `${outcome.reason} (resumed from ${have} bytes already on disk; starting over)` };
    return outcome;
  } finally {
    clearTimeout(stallTimer);
    unlinkSignal();
  }
}

/** Makes `part.state` describe the `.part` file on disk: reuses the running hash when it matches, else hashes the file. */
async function preparePart(file: ModelFile, partPath: string, part: { state: PartState | undefined }, signal: AbortSignal | undefined, declared: DeclaredHash | undefined): Promise<number> {
  let have = 0;
  try {
    have = (await stat(partPath)).size;
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw fileSystemError(error, 'read', partPath);
  }
  if (file.size !== undefined && have > file.size) {
    await rm(partPath, { force: true });
    have = 0;
  }
  if (part.state && part.state.digests.bytes === have && sameDeclared(part.state.digests.declared, declared)) return have;
  part.state = { digests: new FileDigests(file, declared) };
  if (have > 0) {
    try {
      await hashFileInto(partPath, part.state.digests, signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, `hashing ${partPath}`);
      throw fileSystemError(error, 'read', partPath);
    }
  }
  return have;
}

async function resetPart(partPath: string, part: { state: PartState | undefined }): Promise<void> {
  await rm(partPath, { force: true });
  part.state = undefined;
}

/** Finishes the hashes of a complete `.part`: a match is done, a mismatch deletes the file. */
async function verifyPart(partPath: string, part: { state: PartState | undefined }): Promise<Outcome> {
  const digests = part.state!.digests;
  part.state = undefined; // the digests are finished; any later attempt starts from the file on disk
  const mismatch = await verifyDigests(digests, partPath).catch((error: unknown) => {
    throw fileSystemError(error, 'read', partPath);
  });
  if (!mismatch) return { kind: 'done', sha256: digests.sha256Hex! };
  await rm(partPath, { force: true });
  return { kind: 'corrupt', reason: `wrong bytes (${mismatch}); the file was removed` };
}

/** Where the response body starts in the file, or why it cannot be used. */
function startOffset(response: Response, have: number): number | 'error' | 'mismatch' | 'unsatisfiable' {
  if (response.status === 416 && have > 0) return 'unsatisfiable';
  if (response.status === 206) {
    const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(response.headers.get('content-range')?.trim() ?? '');
    return match && Number(match[1]) === have ? have : 'mismatch';
  }
  if (response.status === 200) return 0;
  return 'error';
}

/** What the server declares about a file before it is fetched. */
interface Declaration {
  hash: DeclaredHash;
  /** `X-Linked-Size`: the size of a Git LFS file. */
  size?: number;
}

const MAX_RELATIVE_REDIRECTS = 5;

/**
 * Asks Hugging Face what it declares for a `resolve` URL, the way `huggingface_hub` does: a HEAD request that does
 * not follow the redirect to the storage CDN (whose headers say nothing useful), only same-host relative redirects
 * (a renamed repository). `X-Linked-Etag` is the SHA-256 of a Git LFS file, `X-Linked-Size` its size; a file kept in
 * Git itself has only an `ETag`, its Git blob SHA-1. A response that declares no hash is refused (`corrupt`).
 */
async function askDeclaredHash(url: string, file: ModelFile, options: DownloadFileOptions): Promise<Declaration | Exclude<Outcome, { kind: 'done' }>> {
  let target = url;
  for (let hop = 0; ; hop++) {
    let response: Response;
    // A HEAD that gets no answer within the stall timeout is cut and tried again, like a stalled body.
    const { signal, dispose } = linkSignals([options.signal, AbortSignal.timeout(options.stallTimeoutMs)]);
    try {
      response = await options.fetch(target, { method: 'HEAD', redirect: 'manual', signal });
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal, `downloading ${file.name}`);
      return { kind: 'retry', reason: `network error asking for the declared hash: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      dispose();
    }
    await cancelBody(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location?.startsWith('/') && hop < MAX_RELATIVE_REDIRECTS) {
      target = new URL(location, target).href;
      continue;
    }
    if (response.status >= 400) return { kind: 'next', reason: `HTTP ${response.status} asking for the declared hash`, status: response.status };
    const clean = (value: string | null) => value?.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
    const linked = clean(response.headers.get('x-linked-etag'));
    const etag = clean(response.headers.get('etag'));
    const size = Number(response.headers.get('x-linked-size') ?? NaN);
    const sized = Number.isSafeInteger(size) && size >= 0 ? { size } : {};
    if (linked && /^[0-9a-f]{64}$/.test(linked)) return { hash: { algorithm: 'sha256', value: linked }, ...sized };
    if (!linked && etag && /^[0-9a-f]{40}$/.test(etag)) return { hash: { algorithm: 'git-sha1', value: etag } };
    return { kind: 'corrupt', reason: 'the server declared no sha256 (X-Linked-Etag) or Git blob hash (ETag) for it, so its bytes cannot be checked' };
  }
}

function sameDeclared(a: DeclaredHash | undefined, b: DeclaredHash | undefined): boolean {
  return a?.algorithm === b?.algorithm && a?.value === b?.value;
}

function totalFromHeaders(response: Response, start: number): number | undefined {
  const rangeTotal = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
  if (rangeTotal) return Number(rangeTotal);
  const length = Number(response.headers.get('content-length') ?? NaN);
  return Number.isFinite(length) ? start + length : undefined;
}

function networkFailure(error: unknown, callerSignal: AbortSignal | undefined, stallSignal: AbortSignal, file: ModelFile): Outcome {
  if (callerSignal?.aborted) throw abortError(callerSignal, `downloading ${file.name}`);
  if (stallSignal.aborted) return { kind: 'retry', reason: (stallSignal.reason as Error).message };
  const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
  return { kind: 'retry', reason: `network error: ${message}` };
}

async function writeAll(handle: import('node:fs/promises').FileHandle, bytes: Uint8Array, partPath: string): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset).catch((error: unknown) => {
      throw fileSystemError(error, 'write', partPath);
    });
    offset += bytesWritten;
  }
}

async function cancelBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

/** Renames the verified `.part` into place (atomic within one folder), syncs the folder, and records the verification. */
async function finalize(partPath: string, dest: string, sha256: string): Promise<void> {
  try {
    await rename(partPath, dest);
  } catch (error) {
    throw fileSystemError(error, 'move the download into place at', dest);
  }
  await syncFolder(path.dirname(dest));
  await recordVerified(dest, sha256).catch(() => {});
}

async function syncFolder(folder: string): Promise<void> {
  // Makes the rename durable on POSIX; folders cannot be opened for sync on Windows, which is fine to skip.
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** One error for a file no URL could deliver: wrong bytes win, then "not there" (every URL 4xx), else a retryable failure. */
function failureError(file: ModelFile, model: string, dest: string, failures: Failure[]): PixmuxError {
  const lines = collapse(failures.map((failure) => `${describeUrl(failure.url)}: ${failure.outcome.reason}`));
  const corrupt = failures.some((failure) => failure.outcome.kind === 'corrupt');
  const allMissing = failures.length > 0 && failures.every((failure) => failure.outcome.kind === 'next' && isPermanentStatus(failure.outcome.status));
  const head = `local: could not download ${file.name} for model "${model}" to ${dest}`;
  if (corrupt) return pixmuxError('bad_response', `${head}: the downloaded bytes did not match the manifest.\n${lines}`, { provider: 'local', retryable: false });
  if (allMissing) return pixmuxError('provider_unavailable', `${head}: no URL serves it.\n${lines}`, { provider: 'local', retryable: false });
  return pixmuxError('provider_error', `${head}. A later call resumes the partial download.\n${lines}`, { provider: 'local', retryable: true });
}

/** One line per distinct failure, with how often it happened: three tries of one dead URL read as one line. */
function collapse(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, count]) => `  - ${line}${count > 1 ? ` (${count} tries)` : ''}`).join('\n');
}

function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
