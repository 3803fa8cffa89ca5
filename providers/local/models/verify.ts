import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { errnoCode, fileSystemError } from './abort.js';
import type { ModelFile } from './types.js';

/** A hash a server declared for the bytes it sends (see `ModelFile.hashFrom`). */
export type DeclaredHash = { algorithm: 'sha256'; value: string } | { algorithm: 'git-sha1'; value: string };

/** The running hashes of one file's bytes (SHA-256, plus the publisher's MD5 where the manifest has one). */
export class FileDigests {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash | undefined;
  bytes = 0;
  /** The SHA-256 of the bytes, once `mismatch()` has finished the hashes. */
  sha256Hex: string | undefined;

  /** `declared`: what the server declared for these bytes, when the manifest takes the hash from the server. */
  constructor(
    private readonly file: ModelFile,
    readonly declared?: DeclaredHash,
  ) {
    this.md5 = file.md5 ? createHash('md5') : undefined;
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.md5?.update(chunk);
    this.bytes += chunk.byteLength;
  }

  /** Finishes the hashes (once) and describes how the bytes differ from the manifest; undefined when they match. */
  mismatch(): string | undefined {
    return this.compare(this.sha256, this.md5, true);
  }

  /** Like `mismatch`, on copies of the hashes, so more bytes can still be added. */
  peekMismatch(): string | undefined {
    return this.compare(this.sha256.copy(), this.md5?.copy(), false);
  }

  private compare(sha256Hash: Hash, md5Hash: Hash | undefined, keep: boolean): string | undefined {
    const problems: string[] = [];
    if (this.file.size !== undefined && this.bytes !== this.file.size) problems.push(`${this.bytes} bytes instead of ${this.file.size}`);
    const sha256 = sha256Hash.digest('hex');
    if (keep) this.sha256Hex = sha256;
    if (this.file.sha256 !== undefined && sha256 !== this.file.sha256.toLowerCase()) problems.push(`sha256 ${sha256} instead of ${this.file.sha256}`);
    if (this.declared?.algorithm === 'sha256' && sha256 !== this.declared.value) problems.push(`sha256 ${sha256} instead of ${this.declared.value} (declared by the server)`);
    if (this.file.sha256 === undefined && this.declared === undefined) problems.push('the server declared no hash to check the bytes against');
    const md5 = md5Hash?.digest('hex');
    if (md5 !== undefined && md5 !== this.file.md5?.toLowerCase()) problems.push(`md5 ${md5} instead of ${this.file.md5}`);
    return problems.length ? problems.join(', ') : undefined;
  }
}

/**
 * Finishes the digests of a complete file and checks a declared Git blob SHA-1 too (it hashes a `blob <size>\0`
 * header before the bytes, so it is computed from the file on disk: such files are small, kept in Git itself).
 */
export async function verifyDigests(digests: FileDigests, filePath: string): Promise<string | undefined> {
  const problem = digests.mismatch();
  if (problem || digests.declared?.algorithm !== 'git-sha1') return problem;
  const git = createHash('sha1').update(`blob ${digests.bytes}\0`).update(await readFile(filePath)).digest('hex');
  return git === digests.declared.value ? undefined : `git blob sha1 ${git} instead of ${digests.declared.value} (declared by the server)`;
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

/** Writes the sidecar for a file just verified, with the SHA-256 of its bytes (write to a temporary name, then rename). */
export async function recordVerified(filePath: string, sha256: string): Promise<void> {
  const info = await stat(filePath);
  const record: VerifiedRecord = { sha256: sha256.toLowerCase(), size: info.size, mtimeMs: info.mtimeMs };
  const temporary = `${sidecarPath(filePath)}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(record));
  await rename(temporary, sidecarPath(filePath));
}

export type CacheState = { state: 'ok' } | { state: 'missing' } | { state: 'mismatch'; detail: string };

/**
 * Whether the cached file is the manifest's file: its sidecar matches (same hash, size and mtime), or hashing it
 * again matches (then the sidecar is written). A size that differs from the manifest is a mismatch without hashing.
 * A file whose hash the server declares (no pinned sha256) is trusted only with the sidecar its verified download
 * wrote, unchanged since (same size and mtime); without one it counts as missing and is fetched again.
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
  const unchanged = record !== undefined && record.size === size && record.mtimeMs === mtimeMs;
  // Not deleted: a hand-placed file stays until a verified download replaces it (or is used by path instead).
  if (file.sha256 === undefined) return unchanged ? { state: 'ok' } : { state: 'missing' };
  if (unchanged && record.sha256 === file.sha256.toLowerCase()) return { state: 'ok' };
  const digests = new FileDigests(file);
  try {
    await hashFileInto(filePath, digests, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw fileSystemError(error, 'read', filePath);
  }
  const detail = digests.mismatch();
  if (detail) return { state: 'mismatch', detail };
  await recordVerified(filePath, digests.sha256Hex!).catch(() => {});
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
