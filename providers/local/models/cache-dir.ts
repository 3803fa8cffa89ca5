import { homedir } from 'node:os';
import path from 'node:path';
import type { ModelFile, ModelSpec } from './types.js';

type Env = Record<string, string | undefined>;

/**
 * The cache root for pixmux: `PIXMUX_CACHE_DIR`, else `$XDG_CACHE_HOME/pixmux`, else the platform's cache folder:
 * `~/.cache/pixmux` (Linux and others), `~/Library/Caches/pixmux` (macOS), `%LOCALAPPDATA%\pixmux\Cache` (Windows).
 * Models live under `<root>/models/<id>/`.
 */
export function resolveCacheDir(env: Env = process.env, platform: string = process.platform, home: string = homedir()): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const explicit = nonEmpty(env.PIXMUX_CACHE_DIR);
  if (explicit) return paths.resolve(explicit);
  // The XDG spec says relative values are invalid and must be ignored.
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  if (xdg && paths.isAbsolute(xdg)) return paths.join(xdg, 'pixmux');
  if (platform === 'darwin') return paths.join(home, 'Library', 'Caches', 'pixmux');
  if (platform === 'win32') return paths.join(nonEmpty(env.LOCALAPPDATA) ?? paths.join(home, 'AppData', 'Local'), 'pixmux', 'Cache');
  return paths.join(home, '.cache', 'pixmux');
}

/** The folder holding one model's files. */
export function modelDir(cacheDir: string, spec: Pick<ModelSpec, 'id'>): string {
  return path.join(cacheDir, 'models', spec.id);
}

/** Where one file of a model lives once downloaded. */
export function modelFilePath(cacheDir: string, spec: Pick<ModelSpec, 'id'>, file: Pick<ModelFile, 'name'>): string {
  return path.join(modelDir(cacheDir, spec), file.name);
}

/** True when `PIXMUX_OFFLINE` is `1`, `true` or `yes`. */
export function isOfflineByEnv(env: Env = process.env): boolean {
  return /^(1|true|yes)$/i.test(env.PIXMUX_OFFLINE?.trim() ?? '');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
