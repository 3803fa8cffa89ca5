// No imports from the core: the worker thread uses this.
import type { WorkerErrorCode } from './protocol.js';

/** A typed failure inside the worker, sent back to the pool as an error reply with this code. */
export class WorkerFailure extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}
