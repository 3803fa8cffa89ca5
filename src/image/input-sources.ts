import { pixmuxError } from '../errors/create-error.js';

/**
 * Which string forms an input `image` may take besides data URLs and base64. Both default to the safe side: a
 * service that forwards its users' strings must not read its own files or reach its own network.
 */
export interface InputSources {
  /**
   * File paths and `file:` URLs. `false` refuses them without touching the file system; `true` reads any path the
   * process can; `{ root }` reads only paths that resolve, symlinks followed, inside `root` (relative paths are taken
   * from `root`). Reads stop at `limits.maxBytes`; devices, FIFOs, procfs and other non-regular files are refused.
   * @default false
   */
  files?: boolean | { root: string };
  /**
   * `http:` and `https:` URLs. `true` fetches public addresses only: every hop (at most 5 redirects) is resolved and
   * refused when an address is loopback, private, link-local, unique-local, CGNAT, multicast, unspecified or a
   * cloud metadata address. `{ allowPrivateNetwork: true }` lifts that; `false` refuses URL inputs.
   * @default true
   */
  urls?: boolean | { allowPrivateNetwork?: boolean };
}

export interface ResolvedInputSources {
  files: boolean | { root: string };
  urls: false | { allowPrivateNetwork: boolean };
}

export const DEFAULT_INPUT_SOURCES: ResolvedInputSources = { files: false, urls: { allowPrivateNetwork: false } };

/** Checks the `input` option of `createPixmux`. */
export function resolveInputSources(input: InputSources | undefined): ResolvedInputSources {
  if (input === undefined) return DEFAULT_INPUT_SOURCES;
  if (typeof input !== 'object' || input === null) throw pixmuxError('invalid_request', 'createPixmux: input must be an object like { files: true, urls: { allowPrivateNetwork: true } }');
  const { files = false, urls = true } = input;
  if (typeof files !== 'boolean' && !(typeof files === 'object' && files !== null && typeof files.root === 'string' && files.root.length > 0)) {
    throw pixmuxError('invalid_request', 'createPixmux: input.files must be true, false or { root: "/a/folder" }');
  }
  if (typeof urls !== 'boolean' && !(typeof urls === 'object' && urls !== null)) {
    throw pixmuxError('invalid_request', 'createPixmux: input.urls must be true, false or { allowPrivateNetwork: true }');
  }
  return {
    files: typeof files === 'boolean' ? files : { root: files.root },
    urls: urls === false ? false : { allowPrivateNetwork: typeof urls === 'object' && urls.allowPrivateNetwork === true },
  };
}
