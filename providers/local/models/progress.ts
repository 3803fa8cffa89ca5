import type { DownloadProgress, ModelFile } from './types.js';

export interface ProgressReporter {
  /** Reports bytes on disk; ignored unless it is more than already reported, so events never go backwards. */
  report(receivedBytes: number, totalBytes: number): void;
  /** The file is complete: makes sure the last event says `receivedBytes === totalBytes === size`. */
  complete(size: number): void;
}

/**
 * Progress events for one file. A restart from zero (a server that ignores Range, or a corrupt mirror) would make
 * the count go back; such values are held back until the count passes the last one reported.
 * An exception thrown by the listener is ignored: it must not break the download.
 */
export function createProgressReporter(model: string, file: ModelFile, onProgress: ((progress: DownloadProgress) => void) | undefined): ProgressReporter {
  let lastReceived = -1;
  let lastTotal = -1;
  const emit = (receivedBytes: number, totalBytes: number) => {
    lastReceived = receivedBytes;
    lastTotal = totalBytes;
    try {
      onProgress?.({ model, file: file.name, receivedBytes, totalBytes });
    } catch {
      // see above
    }
  };
  return {
    report(receivedBytes, totalBytes) {
      if (receivedBytes > lastReceived) emit(receivedBytes, Math.max(totalBytes, 0));
    },
    complete(size) {
      if (lastReceived !== size || lastTotal !== size) emit(size, size);
    },
  };
}
