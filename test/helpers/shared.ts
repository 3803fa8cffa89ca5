import { join, resolve } from 'node:path';

/**
 * The reference folder beside the repo (`../shared`, as laid out for development and CI), or `PIXMUX_SHARED_DIR`.
 * Tests that need it skip with a reason when it is absent.
 */
export const SHARED_DIR = process.env.PIXMUX_SHARED_DIR ?? resolve(import.meta.dirname, '../../../shared');
export const SHARED_MODELS = join(SHARED_DIR, 'fixtures/models');
export const SHARED_IMAGES = join(SHARED_DIR, 'fixtures/images');
export const SHARED_SPECS = join(SHARED_DIR, 'reference/specs');
