import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PixmuxError, pixmuxError, toPixmuxError } from 'pixmux';
import { abortError, fileSystemError } from './abort.js';
import { isOfflineByEnv, modelDir, modelFilePath, resolveCacheDir } from './cache-dir.js';
import { downloadFile } from './download-file.js';
import { removeCompletion, writeCompletion } from './completion.js';
import { acquireFileLock, DEFAULT_STALE_LOCK_MS } from './lock.js';
import { missingModelMessage } from './offline-message.js';
import { validateModelSpec } from './validate-spec.js';
import { checkCachedFile, removeCachedFile } from './verify.js';
import type { DownloadProgress, EnsuredModel, EnsureOptions, ModelFile, ModelSpec } from './types.js';

const DEFAULT_ATTEMPTS_PER_URL = 3;
const DEFAULT_RETRY_DELAY_MS = 500;
const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/**
 * Makes sure every file of a model is in the cache and verified, downloading what is missing (unless offline),
 * and returns their paths in the order of `spec.files`. A `layout: 'folder'` model keeps the publisher's sub-folders
 * and gets a completion marker once every file is verified: a folder without it is never handed out as complete.
 *
 * Errors (all PixmuxError): `provider_unavailable` when offline and a file is missing (the message says what to
 * download and where to put it) or when no URL serves a file; `provider_error` (retryable) after network failures,
 * the partial download kept for the next call to resume; `bad_response` when the bytes do not match the manifest
 * (the file is removed); `aborted` when the signal aborts; `invalid_request` for a malformed spec.
 */
export async function ensureModel(spec: ModelSpec, options: EnsureOptions = {}): Promise<EnsuredModel> {
  try {
    return await ensure(spec, options);
  } catch (error) {
    if (PixmuxError.isInstance(error)) throw error;
    if (options.signal?.aborted) throw abortError(options.signal, `getting model "${spec?.id}"`);
    throw toPixmuxError(error, 'local');
  }
}

async function ensure(spec: ModelSpec, options: EnsureOptions): Promise<EnsuredModel> {
  validateModelSpec(spec);
  const cacheDir = options.cacheDir ?? resolveCacheDir();
  const offline = options.offline ?? isOfflineByEnv();
  const files = spec.files.map((file) => ({ file, path: modelFilePath(cacheDir, spec, file) }));
  const folder = modelDir(cacheDir, spec);
  const result = (downloaded: boolean): EnsuredModel => ({ paths: files.map((entry) => entry.path), ...(spec.layout === 'folder' ? { folder } : {}), downloaded });

  const missing: Array<{ file: ModelFile; path: string }> = [];
  for (const entry of files) {
    const cached = await checkCachedFile(entry.path, entry.file, options.signal);
    if (cached.state === 'ok') continue;
    if (cached.state === 'mismatch') {
      await removeCachedFile(entry.path);
      if (offline) {
        throw pixmuxError('bad_response', `local: the cached ${entry.path} is not the file model "${spec.id}" expects (${cached.detail}); it was removed. ${offlineReason(options)}, so it cannot be downloaded again.`, { provider: 'local', retryable: false });
      }
    }
    missing.push(entry);
  }
  if (missing.length === 0) {
    if (spec.layout === 'folder') await writeCompletion(folder, spec, files.map((entry) => entry.path));
    return result(false);
  }
  if (offline) {
    throw pixmuxError('provider_unavailable', missingModelMessage(spec, missing, `${offlineReason(options)} downloading it`), { provider: 'local', retryable: false });
  }

  if (spec.layout === 'folder') await removeCompletion(folder);
  for (const sub of new Set(missing.map((entry) => path.dirname(entry.path)))) {
    await mkdir(sub, { recursive: true }).catch((error: unknown) => {
      throw fileSystemError(error, 'create the model folder', sub);
    });
  }
  const totals = modelTotals(missing.map((entry) => entry.file));
  let downloaded = false;
  for (const [index, entry] of missing.entries()) {
    const lock = await acquireFileLock(`${entry.path}.lock`, { signal: options.signal, staleMs: options.staleLockMs ?? DEFAULT_STALE_LOCK_MS });
    try {
      // Another process may have finished this file while we waited for the lock.
      const cached = await checkCachedFile(entry.path, entry.file, options.signal);
      if (cached.state === 'ok') continue;
      if (cached.state === 'mismatch') await removeCachedFile(entry.path);
      await downloadFile(entry.file, entry.path, {
        model: spec.id,
        fetch: options.fetch ?? globalThis.fetch,
        signal: options.signal,
        onProgress: options.onProgress && spec.layout === 'folder' ? withModelTotals(options.onProgress, index, missing.length, totals) : options.onProgress,
        attemptsPerUrl: Math.max(1, options.attemptsPerUrl ?? DEFAULT_ATTEMPTS_PER_URL),
        retryDelayMs: Math.max(0, options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS),
        stallTimeoutMs: Math.max(1, options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS),
      }).catch((error: unknown) => {
        throw withManualInstructions(error, spec, missing.slice(index));
      });
      downloaded = true;
    } finally {
      await lock.release();
      totals.done += await sizeOnDisk(entry.path);
    }
  }
  if (spec.layout === 'folder') await writeCompletion(folder, spec, files.map((entry) => entry.path));
  return result(downloaded);
}

interface ModelTotals {
  /** The pinned sizes' sum when every file has one, else 0. */
  total: number;
  /** Bytes of the files already complete in this call. */
  done: number;
}

function modelTotals(files: ModelFile[]): ModelTotals {
  return { total: files.every((file) => file.size !== undefined) ? files.reduce((sum, file) => sum + file.size!, 0) : 0, done: 0 };
}

/** Adds the file's position and the whole model's bytes to each progress event of one file. */
function withModelTotals(onProgress: (progress: DownloadProgress) => void, index: number, count: number, totals: ModelTotals) {
  return (progress: DownloadProgress) =>
    onProgress({ ...progress, fileIndex: index + 1, fileCount: count, modelReceivedBytes: totals.done + progress.receivedBytes, modelTotalBytes: totals.total });
}

async function sizeOnDisk(filePath: string): Promise<number> {
  try {
    return (await stat(filePath)).size;
  } catch {
    return 0;
  }
}

/**
 * A download that failed for want of a network (or of a URL that serves the file) ends the local provider's turn
 * at once — the policy moves on rather than retrying a multi-hundred-megabyte download — and the message says
 * how to put the files in place by hand. Wrong bytes and aborts pass through unchanged.
 */
function withManualInstructions(error: unknown, spec: ModelSpec, remaining: Array<{ file: ModelFile; path: string }>): unknown {
  if (!PixmuxError.isInstance(error) || (error.code !== 'provider_error' && error.code !== 'provider_unavailable')) return error;
  const message = `${error.message}\n${missingModelMessage(spec, remaining, 'could not be downloaded')}`;
  return pixmuxError('provider_unavailable', message, { provider: 'local', retryable: false, cause: error });
}

function offlineReason(options: EnsureOptions): string {
  return options.offline === undefined ? 'PIXMUX_OFFLINE=1 forbids' : 'offline mode forbids';
}
