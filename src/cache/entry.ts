import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../image/base64.js';
import type { CacheEntry } from './types.js';

/** A cache entry on disk or from a user's store: only the fields read. */
const imageSchema = z.object({ mediaType: z.string().min(1), width: z.number().int().positive(), height: z.number().int().positive() });

const storedSchema = z.object({
  provider: z.string().min(1),
  model: z.string().optional(),
  images: z.array(imageSchema.extend({ base64: z.string().min(1) })).min(1),
  warnings: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.unknown()).default({}),
  createdAt: z.number().default(0),
});

const liveSchema = z.object({
  provider: z.string().min(1),
  model: z.string().optional(),
  images: z.array(imageSchema.extend({ bytes: z.instanceof(Uint8Array).refine((bytes) => bytes.byteLength > 0) })).min(1),
  warnings: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.unknown()).default({}),
  createdAt: z.number().default(0),
});

/** An entry as JSON text: images as base64. */
export function serializeEntry(entry: CacheEntry): string {
  return JSON.stringify({ ...entry, images: entry.images.map(({ bytes, ...facts }) => ({ ...facts, base64: bytesToBase64(bytes) })) });
}

/** Reads JSON text back; anything malformed is undefined (a miss), never an error. */
export function deserializeEntry(text: string): CacheEntry | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = storedSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const images: CacheEntry['images'] = [];
  for (const { base64, ...facts } of parsed.data.images) {
    const bytes = base64ToBytes(base64);
    if (!bytes || bytes.byteLength === 0) return undefined;
    images.push({ ...facts, bytes });
  }
  return { ...parsed.data, model: parsed.data.model, images };
}

/** Checks what a user's store returned; a malformed entry is a miss. */
export function checkEntry(value: unknown): CacheEntry | undefined {
  const parsed = liveSchema.safeParse(value);
  return parsed.success ? { ...parsed.data, model: parsed.data.model } : undefined;
}
