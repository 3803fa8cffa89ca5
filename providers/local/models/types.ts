/** One file of a model: where to get it and how to recognise the right bytes. */
export interface ModelFile {
  /**
   * Path inside the model's cache folder: one name (letters, digits, `.`, `_`, `-`), or for a folder-layout model
   * a relative path of such names joined by `/` (`unet/model.onnx_data`), kept as the publisher lays it out.
   */
  name: string;
  /** Download URLs, tried in order: the first is the primary, the rest are mirrors of the same bytes. */
  urls: string[];
  /**
   * SHA-256 of the file, lower-case hex, pinned in the manifest. Checked while streaming; a mismatch deletes the file.
   * Required unless `hashFrom` says where the expected hash comes from instead.
   */
  sha256?: string;
  /**
   * `'huggingface'`: the expected hash is the one the Hugging Face server declares for the URL (pinned to a revision):
   * `X-Linked-Etag` (the SHA-256 of a Git LFS file) or, for a small file kept in Git itself, `ETag` (its Git blob SHA-1).
   * The bytes received are checked against it, and a response that declares none is refused. This catches truncated,
   * damaged or substituted-in-transit bytes, not a server that lies about its own files; a pinned `sha256` (checked as
   * well when present) closes that gap once it is known.
   */
  hashFrom?: 'huggingface';
  /** Exact size in bytes, when the source states it. Used for progress, resume sanity and a cheap cache check. */
  size?: number;
  /** The publisher's own MD5 pin (rembg pins MD5), checked alongside the SHA-256 when present. */
  md5?: string;
}

/** Operations a local model can serve. */
export type ModelOperation = 'removeBackground' | 'restoreFace' | 'generate';

/** A model the local backend knows how to fetch and run. */
export interface ModelSpec {
  /** Stable id, e.g. `'birefnet-general-lite'`. */
  id: string;
  operation: ModelOperation;
  /** The files to fetch; the first one is the ONNX graph the engine loads. */
  files: ModelFile[];
  /** SPDX-style licence of the weights, e.g. `'MIT'`, `'CC-BY-NC-4.0'`. */
  license: string;
  /** Whether commercial use is allowed. `false`: only used when named explicitly, with a warning. */
  commercial: boolean;
  /** Id of a preprocessing preset (`'birefnet'`, `'isnet'`, `'u2net'`, `'gfpgan'`, …); for `generate`, the pipeline (`'lcm'`, `'sd-turbo'`). */
  preset: string;
  description: string;
  /** Where the URL, hash and licence facts came from; `[3rd-party]` marks facts not from the model's publisher. */
  source: string;
  /** Caveats worth showing a user (licence doubts, training-data terms). */
  notes?: string;
  /** Other models this one needs at run time (a face restorer needs a face detector). */
  requires?: string[];
  /**
   * `'folder'`: the files keep the publisher's folder layout under the model's cache folder, which is handed out
   * (`EnsuredModel.folder`) only once every file is verified and the completion marker is written.
   * @default a flat list of files
   */
  layout?: 'folder';
  /** `'detector'`: a helper that another model `requires`; never chosen on its own for the operation. */
  role?: 'detector';
}

/** A progress report while a model file downloads. */
export interface DownloadProgress {
  /** The model id. */
  model: string;
  /** The file name (a relative path such as `unet/model.onnx_data` for a folder-layout model). */
  file: string;
  /** For a `layout: 'folder'` model: 1-based position of this file among the files this call fetches. */
  fileIndex?: number;
  /** How many of the model's files this call fetches. */
  fileCount?: number;
  /** Bytes on disk so far of all the files this call fetches (those complete plus this one). */
  modelReceivedBytes?: number;
  /** The size of all the files this call fetches, when the manifest pins every one's size; 0 otherwise. */
  modelTotalBytes?: number;
  /** Bytes of the file on disk so far (resumed bytes included). Never decreases. */
  receivedBytes: number;
  /** The file's size, from the manifest or the server; 0 when neither says. */
  totalBytes: number;
}

export interface EnsureOptions {
  /** Cache root; models go to `<cacheDir>/models/<id>/<file>`. @default resolveCacheDir() */
  cacheDir?: string;
  /** Never touch the network; a missing model fails with instructions. @default true when PIXMUX_OFFLINE=1 */
  offline?: boolean;
  /** The fetch used for downloads. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Aborts the download (the `.part` file is kept for resuming) or the wait for another process's download. */
  signal?: AbortSignal;
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Attempts per URL after a network failure or a cut connection, each resuming where the last stopped. @default 3 */
  attemptsPerUrl?: number;
  /** Delay before the first retry of a URL, doubled each time. @default 500 */
  retryDelayMs?: number;
  /** A download that receives no byte for this long is cut and resumed. @default 30_000 */
  stallTimeoutMs?: number;
  /** A lock not refreshed for this long belongs to a crashed process and is broken. @default 60_000 */
  staleLockMs?: number;
}

/** What `ensureModel` hands back. */
export interface EnsuredModel {
  /** Absolute paths of the model's files, in the order of `spec.files`. */
  paths: string[];
  /** A `layout: 'folder'` model's cache folder, complete (every file verified, its marker written). */
  folder?: string;
  /** True when at least one file was downloaded by this call. */
  downloaded: boolean;
}
