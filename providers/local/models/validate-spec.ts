import { pixmuxError } from 'pixmux';
import type { ModelSpec } from './types.js';

/** A name safe as one path segment: no separators, no `..`. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/i;
const MD5 = /^[0-9a-f]{32}$/i;

/** Rejects a spec that would put files outside the cache or that cannot be verified, as `invalid_request`. */
export function validateModelSpec(spec: ModelSpec): void {
  const fail = (problem: string) => pixmuxError('invalid_request', `local: invalid model spec${spec && typeof spec.id === 'string' ? ` "${spec.id}"` : ''}: ${problem}`, { provider: 'local' });
  if (!spec || typeof spec !== 'object') throw fail('expected an object');
  if (typeof spec.id !== 'string' || !SAFE_NAME.test(spec.id)) throw fail('id must be letters, digits, ".", "_" or "-"');
  if (!Array.isArray(spec.files) || spec.files.length === 0) throw fail('files must list at least one file');
  const names = new Set<string>();
  for (const file of spec.files) {
    if (!file || typeof file.name !== 'string' || !isSafeFileName(file.name, spec.layout === 'folder')) {
      throw fail(`file name ${JSON.stringify(file?.name)} must be letters, digits, ".", "_" or "-"${spec.layout === 'folder' ? ' (folders joined by "/")' : ''}`);
    }
    if (names.has(file.name)) throw fail(`file name "${file.name}" appears twice`);
    names.add(file.name);
    if (!Array.isArray(file.urls) || file.urls.length === 0 || !file.urls.every(isHttpUrl)) throw fail(`file "${file.name}" needs at least one http(s) URL`);
    if (file.hashFrom !== undefined && file.hashFrom !== 'huggingface') throw fail(`file "${file.name}" has an unknown hashFrom ${JSON.stringify(file.hashFrom)}`);
    if (file.sha256 === undefined ? file.hashFrom === undefined : typeof file.sha256 !== 'string' || !SHA256.test(file.sha256)) {
      throw fail(`file "${file.name}" needs a sha256 of 64 hex digits${file.sha256 === undefined ? ' or hashFrom: \'huggingface\'' : ''}`);
    }
    if (file.md5 !== undefined && (typeof file.md5 !== 'string' || !MD5.test(file.md5))) throw fail(`file "${file.name}" has an md5 that is not 32 hex digits`);
    if (file.size !== undefined && !(Number.isSafeInteger(file.size) && file.size >= 0)) throw fail(`file "${file.name}" has a size that is not a whole number of bytes`);
  }
}

function isSafeFileName(name: string, folders: boolean): boolean {
  return folders ? name.split('/').every((segment) => SAFE_NAME.test(segment) && segment !== '..' && !segment.startsWith('.')) : SAFE_NAME.test(name);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
