import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pixmuxError, type Operation, type PixmuxResult } from 'pixmux';

/** The job a result belongs to, as an output function sees it. */
export interface OutputJob {
  id: string;
  operation: Operation;
  /** 1 on the first run; higher when BullMQ runs the job again (a retry, or after a crashed worker). */
  attempt: number;
}

/**
 * Where results go: a folder (each image is written as `<jobId>.<ext>`, or `<jobId>-<n>.<ext>` for the n-th of
 * several, so a job that runs twice overwrites its own files; a worker killed mid-write leaves its partial file in
 * `<folder>/.partial/`, which is safe to empty when no worker is writing), or a function that stores the result (in object
 * storage, say) and returns where it put each image.
 */
export type WorkerOutput = string | ((result: PixmuxResult, job: OutputJob) => Promise<string | string[]>);

/** Where a folder output writes files before renaming them into place (the same file system, so the rename is atomic). */
export const PARTIAL_DIR = '.partial';

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/** Stores a job's images and returns where each went. */
export async function storeOutput(output: WorkerOutput, result: PixmuxResult, job: OutputJob): Promise<string[]> {
  if (typeof output === 'function') {
    const where = await output(result, job);
    const list = Array.isArray(where) ? where : [where];
    if (list.some((item) => typeof item !== 'string')) throw pixmuxError('invalid_request', 'queue: the output function must return where it stored the result (a string or strings)');
    return list;
  }
  const folder = resolve(output);
  const paths: string[] = [];
  for (const [index, image] of result.images.entries()) {
    const name = `${job.id}${result.images.length > 1 ? `-${index}` : ''}.${EXTENSIONS[image.mediaType] ?? 'bin'}`;
    const path = join(folder, name);
    // Job ids are checked at enqueue; this keeps a hand-made job from writing outside the folder all the same.
    if (!path.startsWith(folder + sep)) throw pixmuxError('invalid_request', `queue: job id ${JSON.stringify(job.id)} would write outside the output folder`);
    await mkdir(dirname(path), { recursive: true });
    // Written aside, then renamed into place: a reader never sees half a file, and a second run replaces the first
    // whole. A worker killed mid-write leaves its partial file in `<folder>/.partial/`, never among the results.
    const partial = join(folder, PARTIAL_DIR, `${encodeURIComponent(name)}.${process.pid}.${Date.now()}.partial`);
    await mkdir(join(folder, PARTIAL_DIR), { recursive: true });
    await writeFile(partial, image.bytes);
    await rename(partial, path);
    paths.push(path);
  }
  return paths;
}
