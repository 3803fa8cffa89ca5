import { pixmuxError, type PixmuxError } from 'pixmux';
import type Sharp from 'sharp';
import { INSTALL_HINT } from './install-hint.js';

/** The sharp function, as the pipelines use it. */
export type SharpFn = typeof Sharp;

/** The typed error for a peer dependency that could not be loaded. */
export function missingPackageError(name: 'onnxruntime-node' | 'sharp', provider: string, cause?: unknown): PixmuxError {
  const reason = cause instanceof Error ? ` (${cause.message.split('\n')[0]})` : '';
  return pixmuxError('provider_unavailable', `${provider}: the optional package "${name}" could not be loaded${reason}. ${INSTALL_HINT}`, {
    provider,
    retryable: false,
    cause,
  });
}

type Importer = (name: string) => Promise<unknown>;
const defaultImporter: Importer = (name) => import(name);

let sharpPromise: Promise<SharpFn> | undefined;

/**
 * Loads sharp on first use, never at import time, so `pixmux/providers/local` costs nothing until it runs.
 * A missing or broken install becomes a `provider_unavailable` error that says what to install.
 */
export function loadSharp(provider: string, importer: Importer = defaultImporter): Promise<SharpFn> {
  if (importer !== defaultImporter) return importSharp(provider, importer);
  sharpPromise ??= importSharp(provider, importer).catch((error: unknown) => {
    sharpPromise = undefined;
    throw error;
  });
  return sharpPromise;
}

async function importSharp(provider: string, importer: Importer): Promise<SharpFn> {
  try {
    const loaded = (await importer('sharp')) as { default?: SharpFn } & SharpFn;
    const sharp = typeof loaded.default === 'function' ? loaded.default : loaded;
    if (typeof sharp !== 'function') throw new Error('sharp did not export a function');
    return sharp;
  } catch (error) {
    throw missingPackageError('sharp', provider, error);
  }
}
