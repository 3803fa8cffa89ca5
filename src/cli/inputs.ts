import { opendir, stat } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './usage.js';

/** Files the batch commands pick up from directories and globs. */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.avif', '.heic', '.heif', '.bmp', '.tif', '.tiff']);
const GLOB_CHARS = /[*?[{]/;

/** One input photo: where it is and the path of its output relative to the output directory (without extension). */
export interface InputFile {
  path: string;
  /** Relative to the argument it came from: a directory's subfolders are kept, so two `a.png` never collide. */
  name: string;
}

const isImage = (path: string) => IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
const stem = (path: string) => path.slice(0, path.length - extname(path).length);

/** A glob (`*`, `**`, `?`, `[abc]`, `{a,b}`) as a regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index += 1) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      const slash = glob[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', index);
      if (end < 0) source += '\\[';
      else {
        source += `[${glob.slice(index + 1, end).replace(/^!/, '^')}]`;
        index = end;
      }
    } else if (char === '{') {
      const end = glob.indexOf('}', index);
      if (end < 0) source += '\\{';
      else {
        source += `(?:${glob.slice(index + 1, end).split(',').map((part) => part.replace(/[.+^$()|\\]/g, '\\$&')).join('|')})`;
        index = end;
      }
    } else source += char.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Every file under a directory, depth first, one directory handle open at a time per level: nothing is listed ahead. */
async function* walk(dir: string): AsyncGenerator<string> {
  const handle = await opendir(dir);
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/** Checks the arguments before anything runs: a missing file or folder is a usage error (exit 2), not a failed item. */
export function checkInputs(args: string[]): void {
  if (args.length === 0) throw new UsageError('no input: name image files, folders or globs');
  for (const arg of args) {
    if (!GLOB_CHARS.test(arg) && !existsSync(arg)) throw new UsageError(`${arg}: no such file or folder`);
  }
}

/**
 * The input photos, read lazily: folders are walked as the batch asks for more, so a folder of a million photos
 * costs one directory handle per level, not a list in memory.
 */
export async function* inputFiles(args: string[]): AsyncGenerator<InputFile> {
  for (const arg of args) {
    if (!GLOB_CHARS.test(arg) || existsSync(arg)) {
      const info = await stat(arg);
      if (info.isDirectory()) {
        for await (const path of walk(arg)) if (isImage(path)) yield { path, name: stem(relative(arg, path)) };
      } else yield { path: arg, name: stem(arg.split(/[\\/]/).pop() ?? arg) };
      continue;
    }
    const pattern = arg.split(sep).join('/');
    const firstGlob = pattern.search(GLOB_CHARS);
    const base = pattern.lastIndexOf('/', firstGlob) >= 0 ? pattern.slice(0, pattern.lastIndexOf('/', firstGlob)) : '.';
    const regexp = globToRegExp(base === '.' && !pattern.startsWith('./') ? pattern : pattern.slice(base.length + 1));
    if (!existsSync(base) || !statSync(base).isDirectory()) continue;
    for await (const path of walk(base)) {
      const rel = relative(base, path).split(sep).join('/');
      if (regexp.test(rel)) yield { path, name: stem(rel) };
    }
  }
}

export const extensionFor = (format: string) => (format === 'jpeg' ? '.jpg' : `.${format}`);

/** Where an input's output goes. */
export function outputPath(outDir: string, input: InputFile, format: string): string {
  return resolve(outDir, `${input.name}${extensionFor(format)}`);
}

export { dirname };
