import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileSystemError } from './abort.js';
import type { ModelSpec } from './types.js';

/** The marker a folder-layout model gets once every file is verified; a folder without it is incomplete. */
export const COMPLETION_MARKER = '.complete.json';

interface CompletionRecord {
  id: string;
  files: Array<{ name: string; size: number }>;
}

/**
 * True when the folder's marker lists exactly the spec's files and each is still on disk with the size it had when
 * verified (a cheap check: the files' own `.verified.json` records cover the bytes).
 */
export async function readCompletion(folder: string, spec: ModelSpec): Promise<boolean> {
  let record: CompletionRecord;
  try {
    record = JSON.parse(await readFile(path.join(folder, COMPLETION_MARKER), 'utf8')) as CompletionRecord;
  } catch {
    return false;
  }
  if (record?.id !== spec.id || !Array.isArray(record.files) || record.files.length !== spec.files.length) return false;
  for (const [index, file] of spec.files.entries()) {
    const recorded = record.files[index];
    if (recorded?.name !== file.name) return false;
    const size = await stat(path.join(folder, file.name)).then((info) => info.size, () => -1);
    if (size !== recorded.size) return false;
  }
  return true;
}

/** Writes the marker (to a temporary name, then an atomic rename) after every file was verified. */
export async function writeCompletion(folder: string, spec: ModelSpec, paths: string[]): Promise<void> {
  const files = await Promise.all(spec.files.map(async (file, index) => ({ name: file.name, size: (await stat(paths[index]!)).size })));
  const marker = path.join(folder, COMPLETION_MARKER);
  const temporary = `${marker}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify({ id: spec.id, files } satisfies CompletionRecord));
    await rename(temporary, marker);
  } catch (error) {
    throw fileSystemError(error, 'write the completion marker', marker);
  }
}

/** Removes the marker before any file of the folder is replaced. */
export async function removeCompletion(folder: string): Promise<void> {
  await rm(path.join(folder, COMPLETION_MARKER), { force: true }).catch((error: unknown) => {
    throw fileSystemError(error, 'remove the completion marker in', folder);
  });
}
