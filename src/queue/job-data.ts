import { base64ToBytes, bytesToBase64, pixmuxError, type Operation } from 'pixmux';
import { z } from 'zod';

/** The most bytes one job's data may take in Redis (its request and any inline image). @default 65_536 */
export const DEFAULT_MAX_JOB_BYTES = 64 * 1024;

/**
 * The image a job carries, as workers will read it: a string (an `https:` URL, or a file path the workers can read,
 * which their client must allow with `input: { files }`), an object-storage key their `readInput` fetches, or a few
 * bytes inline (counted against `maxJobBytes`: photos travel by reference, never through Redis).
 */
export type JobImage = string | URL | Uint8Array | { key: string };

/** The wire format of a job in Redis: minimal, versioned, checked by workers before they run anything. */
const imageSchema = z.union([z.object({ url: z.string().min(1) }), z.object({ key: z.string().min(1) }), z.object({ base64: z.string().min(1) })]);

export const jobDataSchema = z.object({
  v: z.literal(1),
  operation: z.enum(['generate', 'removeBackground', 'restoreFace']),
  request: z.record(z.string(), z.unknown()),
  image: imageSchema.optional(),
  failure: z.unknown().optional(),
});

export type JobData = z.infer<typeof jobDataSchema>;

const OPERATIONS: readonly Operation[] = ['generate', 'removeBackground', 'restoreFace'];

/**
 * Job ids name the output files, so they are plain names: letters, digits, '.', '_', '-' and '/' between segments
 * (no '..', no leading '/', no ':' which BullMQ refuses, not only digits which BullMQ keeps for its own ids).
 */
const JOB_ID = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function checkJobId(jobId: unknown): asserts jobId is string {
  const ok = typeof jobId === 'string' && jobId.length <= 200 && JOB_ID.test(jobId) && !/^\d+$/.test(jobId) && !jobId.split('/').some((part) => part === '.' || part === '..');
  if (!ok) throw pixmuxError('invalid_request', `queue: jobId must be up to 200 letters, digits, '.', '_', '-' with '/' between segments, not only digits and without '.' or '..' segments (got ${JSON.stringify(jobId)})`);
}

/** Turns a request into job data: the image by reference, everything else as JSON, the whole within `maxJobBytes`. */
export function toJobData(operation: Operation, request: Record<string, unknown>, maxJobBytes: number): JobData {
  if (!OPERATIONS.includes(operation)) throw pixmuxError('invalid_request', `queue: unknown operation ${JSON.stringify(operation)} (${OPERATIONS.join(', ')})`);
  if (typeof request !== 'object' || request === null) throw pixmuxError('invalid_request', 'queue: the request must be an object');
  const { image, signal: _signal, ...rest } = request;
  if (operation !== 'generate' && image === undefined) throw pixmuxError('invalid_request', `queue: ${operation} needs an image (a URL, a path the workers can read, or { key })`);
  let json: string;
  try {
    json = JSON.stringify(rest);
  } catch (error) {
    throw pixmuxError('invalid_request', `queue: the request must be plain JSON data (${(error as Error).message})`);
  }
  const data: JobData = { v: 1, operation, request: JSON.parse(json) as Record<string, unknown>, ...(image === undefined ? {} : { image: imageRef(image) }) };
  const bytes = new TextEncoder().encode(JSON.stringify(data)).byteLength;
  if (bytes > maxJobBytes) {
    throw pixmuxError('image_too_large', `queue: this job would put ${bytes} bytes in Redis, over maxJobBytes (${maxJobBytes}); pass the image as a URL, a path the workers can read, or { key } of object storage`);
  }
  return data;
}

function imageRef(image: unknown): NonNullable<JobData['image']> {
  if (typeof image === 'string' && image.length > 0) return { url: image };
  if (image instanceof URL) return { url: image.href };
  if (image instanceof Uint8Array) return { base64: bytesToBase64(image) };
  if (typeof image === 'object' && image !== null && typeof (image as { key?: unknown }).key === 'string' && (image as { key: string }).key.length > 0) return { key: (image as { key: string }).key };
  throw pixmuxError('invalid_request', 'queue: image must be a URL or path string, a URL, a Uint8Array (small ones only) or { key: string }');
}

/** What a worker passes its client as `image`: the string or bytes as they were, or what `readInput` returns for a key. */
export async function imageFromRef(ref: NonNullable<JobData['image']>, readInput: ((key: string) => Promise<Uint8Array | string>) | undefined): Promise<Uint8Array | string> {
  if ('url' in ref) return ref.url;
  if ('base64' in ref) {
    const bytes = base64ToBytes(ref.base64);
    if (!bytes) throw pixmuxError('invalid_image', 'queue: the job\'s inline image is not valid base64');
    return bytes;
  }
  if (!readInput) throw pixmuxError('invalid_request', `queue: job image is the key ${JSON.stringify(ref.key)} but this worker has no readInput option to fetch keys`);
  return readInput(ref.key);
}
