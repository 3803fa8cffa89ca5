import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { errnoCode, fileSystemError } from './abort.js';
import type { ModelFile } from './types.js';

/** The running hashes of one file's bytes (SHA-256, plus the publisher's MD5 where the manifest has one). */
export class FileDigests {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash | undefined;
  bytes = 0;

  constructor(private readonly file: ModelFile) {
    this.md5 = file.md5 ? createHash('md5') : undefined;
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.md5?.update(chunk);
    this.bytes += chunk.byteLength;
  }

  /** Finishes the hashes (once) and describes how the bytes differ from the manifest; undefined when they match. */
  mismatch(): string | undefined {
    return this.compare(this.sha256, this.md5);
  }

  /** Like `mismatch`, on copies of the hashes, so more bytes can still be added. */
  peekMismatch(): string | undefined {
    return this.compare(this.sha256.copy(), this.md5?.copy());
  }

  private compare(sha256Hash: Hash, md5Hash: Hash | undefined): string | undefined {
    const problems: string[] = [];
    if (this.file.size !== undefined && this.bytes !== this.file.size) problems.push(`${this.bytes} bytes instead of ${this.file.size}`);
    const sha256 = sha256Hash.digest('hex');
    if (sha256 !== this.file.sha256.toLowerCase()) problems.push(`sha256 ${sha256} instead of ${this.file.sha256}`);
    const md5 = md5Hash?.digest('hex');
    if (md5 !== undefined && md5 !== this.file.md5?.toLowerCase()) problems.push(`md5 ${md5} instead of ${this.file.md5}`);
    return problems.length ? problems.join(', ') : undefined;
  }
}

/** Feeds a file on disk into the digests (used to resume: the `.part` bytes are hashed before new ones arrive). */
export async function hashFileInto(filePath: string, digests: FileDigests, signal?: AbortSignal): Promise<void> {
  const stream = createReadStream(filePath, { highWaterMark: 1 << 20, signal });
  for await (const chunk of stream) digests.update(chunk as Buffer);
}

/** A record, next to a verified file, that lets later starts skip re-hashing hundreds of MB. */
interface VerifiedRecord {
  sha256: string;
  size: number;
  mtimeMs: number;
}

export function sidecarPath(filePath: string): string {
  return `${filePath}.verified.json`;
}

/** Writes the sidecar for a file just verified (write to a temporary name, then rename). */
export async function recordVerified(filePath: string, file: ModelFile): Promise<void> {
  const info = await stat(filePath);
  const record: VerifiedRecord = { sha256: file.sha256.toLowerCase(), size: info.size, mtimeMs: info.mtimeMs };
  const temporary = `${sidecarPath(filePath)}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(record));
  await rename(temporary, sidecarPath(filePath));
}

export type CacheState = { state: 'ok' } | { state: 'missing' } | { state: 'mismatch'; detail: string };

/**
 * Whether the cached file is the manifest's file: its sidecar matches (same hash, size and mtime), or hashing it
 * again matches (then the sidecar is written). A size that differs from the manifest is a mismatch without hashing.
 */
export async function checkCachedFile(filePath: string, file: ModelFile, signal?: AbortSignal): Promise<CacheState> {
  let size: number;
  let mtimeMs: number;
  try {
    ({ size, mtimeMs } = await stat(filePath));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { state: 'missing' };
    throw fileSystemError(error, 'read', filePath);
  }
  if (file.size !== undefined && size !== file.size) return { state: 'mismatch', detail: `${size} bytes instead of ${file.size}` };
  const record = await readRecord(filePath);
  if (record && record.sha256 === file.sha256.toLowerCase() && record.size === size && record.mtimeMs === mtimeMs) return { state: 'ok' };
  const digests = new FileDigests(file);
  try {
    await hashFileInto(filePath, digests, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw fileSystemError(error, 'read', filePath);
  }
  const detail = digests.mismatch();
  if (detail) return { state: 'mismatch', detail };
  await recordVerified(filePath, file).catch(() => {});
  return { state: 'ok' };
}

/** Deletes a file that failed verification, with its sidecar. */
export async function removeCachedFile(filePath: string): Promise<void> {
  try {
    await rm(filePath, { force: true });
    await rm(sidecarPath(filePath), { force: true });
  } catch (error) {
    throw fileSystemError(error, 'remove the corrupt file', filePath);
  }
}

async function readRecord(filePath: string): Promise<VerifiedRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(sidecarPath(filePath), 'utf8')) as Partial<VerifiedRecord>;
    if (typeof value.sha256 === 'string' && typeof value.size === 'number' && typeof value.mtimeMs === 'number') return value as VerifiedRecord;
  } catch {
    // No sidecar, or a damaged one: the file is hashed again.
  }
  return undefined;
}
