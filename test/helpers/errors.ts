import { expect } from 'vitest';
import { PixmuxError } from 'pixmux';

/** Awaits a promise that must reject, asserts it rejected with a PixmuxError, and returns that error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<PixmuxError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) expect.fail(`expected a rejection, the promise resolved with ${describe(outcome.value)}`);
  expect(PixmuxError.isInstance(outcome.error), `expected a PixmuxError, got ${String(outcome.error)}`).toBe(true);
  return outcome.error as PixmuxError;
}

/** The code that matters for a single-provider call: the last attempt's on `all_failed`, else the error's own. */
export function failureCode(error: unknown): string | undefined {
  expect(PixmuxError.isInstance(error), `expected a PixmuxError, got ${String(error)}`).toBe(true);
  const pixmux = error as PixmuxError;
  return pixmux.code === 'all_failed' ? pixmux.attempts?.at(-1)?.error?.code : pixmux.code;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
