// The local backend's model store: the manifest of known models, the cache folder, and the downloader.
// Node-only; imported by providers/local, never by src/.
export type { ModelFile, ModelSpec, ModelOperation, DownloadProgress, EnsureOptions, EnsuredModel } from './types.js';
export { MODELS, DEFAULT_MODELS, type ModelId } from './manifest.js';
export { resolveModel, licenseWarning, type ResolvedModel } from './resolve-model.js';
export { resolveCacheDir, modelDir, modelFilePath, isOfflineByEnv } from './cache-dir.js';
export { ensureModel } from './ensure-model.js';
export { COMPLETION_MARKER, readCompletion } from './completion.js';
export { acquireFileLock, DEFAULT_STALE_LOCK_MS, type FileLock, type FileLockOptions } from './lock.js';
