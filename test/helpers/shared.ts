import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The reference folder beside the repo (`../shared`, as laid out for development and CI), or `PIXMUX_SHARED_DIR`.
 * Tests that need it skip with a reason when it is absent — except in CI, where they fail (see `skipReason`).
 */
export const SHARED_DIR = process.env.PIXMUX_SHARED_DIR ?? resolve(import.meta.dirname, '../../../shared');
export const SHARED_MODELS = join(SHARED_DIR, 'fixtures/models');
export const SHARED_IMAGES = join(SHARED_DIR, 'fixtures/images');
export const SHARED_SPECS = join(SHARED_DIR, 'reference/specs');

/** True when running in CI (`CI` set to anything but "", "0" or "false"), as `.ci/run` does. */
export const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase());

/**
 * Turns "this prerequisite is missing" into what a test file should do about it: `false` when nothing is missing;
 * outside CI, the reason (for `describe.skipIf` / `it.skipIf`, which print it) after a console warning; in CI an
 * error, thrown when the test file loads, so that a missing `../shared` or `redis-server` fails the run instead of
 * quietly skipping the tests that guard it.
 */
export function skipReason(missing: string | undefined): string | false {
  if (missing === undefined) return false;
  if (IN_CI) throw new Error(`${missing}. In CI (CI=${process.env.CI}) a missing prerequisite fails the run instead of skipping tests.`);
  console.warn(`[skipped] ${missing}`);
  return missing;
}

/** `skipReason` for files: false when every path exists, else the skip reason naming the missing ones (throws in CI). */
export function missingFixtures(...paths: string[]): string | false {
  const missing = paths.filter((path) => !existsSync(path));
  return skipReason(missing.length === 0 ? undefined : `fixture${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')} (check out ../shared beside the repo or set PIXMUX_SHARED_DIR)`);
}

/** Keeps the paths that exist, for a list of optional fixtures; in CI every one of them must exist. */
export function existingFixtures(paths: string[]): string[] {
  const present = paths.filter((path) => existsSync(path));
  if (present.length < paths.length) missingFixtures(...paths);
  return present;
}
