import { describe, expect, it, vi } from 'vitest';
import { PixmuxError, pixmuxError, pollJob, type PollStep } from 'pixmux';

const fast = { initialDelayMs: 1, maxDelayMs: 4, factor: 2 };

/** A check that answers pending `pendingLooks` times, then done with `value`. */
function jobThatFinishesAfter<T>(pendingLooks: number, value: T) {
  let looks = 0;
  return {
    get looks() {
      return looks;
    },
    check: async (): Promise<PollStep<T>> => {
      looks += 1;
      return looks > pendingLooks ? { done: true, value } : { done: false };
    },
  };
}

describe('pollJob', () => {
  it('looks until the job is done and returns its value, without cancelling', async () => {
    const job = jobThatFinishesAfter(3, 'output');
    const cancel = vi.fn(async () => {});
    const value = await pollJob({ ...fast, check: job.check, cancel, signal: new AbortController().signal });
    expect(value).toBe('output');
    expect(job.looks).toBe(4);
    expect(cancel).not.toHaveBeenCalled();
  });

  it('grows the delay from initialDelayMs by factor up to maxDelayMs', async () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      const job = jobThatFinishesAfter(5, 1);
      const check = async () => {
        seen.push(Date.now());
        return job.check();
      };
      const promise = pollJob({ check, signal: new AbortController().signal, initialDelayMs: 250, maxDelayMs: 2_000, factor: 2 });
      await vi.runAllTimersAsync();
      await expect(promise).resolves.toBe(1);
      const gaps = seen.slice(1).map((time, index) => time - seen[index]!);
      expect(gaps).toEqual([250, 500, 1_000, 2_000, 2_000]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("waits the vendor's Retry-After after a 429 while polling, then goes on", async () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      let looks = 0;
      const check = async (): Promise<PollStep<string>> => {
        seen.push(Date.now());
        looks += 1;
        if (looks === 1) throw pixmuxError('rate_limited', 'slow down', { retryAfterMs: 7_000 });
        return { done: true, value: 'ok' };
      };
      const promise = pollJob({ check, signal: new AbortController().signal, initialDelayMs: 250 });
      await vi.runAllTimersAsync();
      await expect(promise).resolves.toBe('ok');
      expect(seen[1]! - seen[0]!).toBe(7_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('honours a retryAfterMs hint from a pending step', async () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      const check = async (): Promise<PollStep<string>> => {
        seen.push(Date.now());
        return seen.length === 1 ? { done: false, retryAfterMs: 1_234 } : { done: true, value: 'x' };
      };
      const promise = pollJob({ check, signal: new AbortController().signal });
      await vi.runAllTimersAsync();
      await promise;
      expect(seen[1]! - seen[0]!).toBe(1_234);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancels the job and rethrows the abort reason when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = pixmuxError('timeout', 'deadline passed', { retryable: false });
    // pollJob swallows whatever cancel throws, so an expect inside it could never fail the test: record, check after.
    const cancelSignals: Array<{ aborted: boolean }> = [];
    const cancel = vi.fn(async (signal: AbortSignal) => {
      cancelSignals.push({ aborted: signal.aborted });
    });
    let looks = 0;
    const check = async (): Promise<PollStep<string>> => {
      looks += 1;
      if (looks === 2) controller.abort(reason);
      return { done: false };
    };
    const error = await pollJob({ ...fast, check, cancel, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(cancel).toHaveBeenCalledTimes(1);
    // The cancel request gets a live signal of its own, not the caller's aborted one.
    expect(cancelSignals).toEqual([{ aborted: false }]);
  });

  it('cancels when the signal aborts during a look (the request itself is aborted)', async () => {
    const controller = new AbortController();
    const reason = pixmuxError('aborted', 'caller aborted');
    const cancel = vi.fn(async () => {});
    const check = (signal: AbortSignal) =>
      new Promise<PollStep<string>>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
        setTimeout(() => controller.abort(reason), 1);
      });
    const error = await pollJob({ ...fast, check, cancel, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('gives up at once, cancelling, when a 429 asks for a wait past the deadline', async () => {
    const cancel = vi.fn(async () => {});
    const limited = pixmuxError('rate_limited', 'slow down', { retryAfterMs: 5_000 });
    const check = async (): Promise<PollStep<string>> => Promise.reject(limited);
    const error = await pollJob({ ...fast, check, cancel, signal: new AbortController().signal, remainingMs: () => 1_000 }).catch((e: unknown) => e);
    expect(error).toBe(limited);
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('waits for a running job until the deadline aborts the signal, then cancels', async () => {
    const controller = new AbortController();
    const deadline = pixmuxError('timeout', 'deadline', { retryable: false });
    setTimeout(() => controller.abort(deadline), 20);
    const cancel = vi.fn(async () => {});
    // A ten-minute hint: if the abort did not end the wait, the test would time out instead of passing late.
    const check = async (): Promise<PollStep<string>> => ({ done: false, retryAfterMs: 600_000 });
    const error = await pollJob({ ...fast, check, cancel, signal: controller.signal, remainingMs: () => 20 }).catch((e: unknown) => e);
    expect(error).toBe(deadline);
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('a failed cancel is swallowed and a hanging cancel is bounded by cancelTimeoutMs', async () => {
    const controller = new AbortController();
    const reason = pixmuxError('aborted', 'stop');
    controller.abort(reason);
    const failing = vi.fn(async () => {
      throw new Error('cancel failed');
    });
    await expect(pollJob({ ...fast, check: async () => ({ done: false }), cancel: failing, signal: controller.signal })).rejects.toBe(reason);
    expect(failing).toHaveBeenCalledTimes(1);

    let cancelSignal: AbortSignal | undefined;
    const hanging = vi.fn((signal: AbortSignal) => {
      cancelSignal = signal;
      return new Promise<never>(() => {});
    });
    // The cancel never settles: only cancelTimeoutMs can end the call (else the test times out).
    await expect(pollJob({ ...fast, check: async () => ({ done: false }), cancel: hanging, signal: controller.signal, cancelTimeoutMs: 20 })).rejects.toBe(reason);
    expect(cancelSignal?.aborted).toBe(true);
  });

  it('a failed job (non-retryable error) is thrown as is, without a cancel', async () => {
    const failure = pixmuxError('content_policy', 'NSFW content detected');
    const cancel = vi.fn(async () => {});
    const error = await pollJob({ ...fast, check: async () => Promise.reject(failure), cancel, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(cancel).not.toHaveBeenCalled();
  });

  it('tolerates a few transient failures, then cancels and throws the last one', async () => {
    const cancel = vi.fn(async () => {});
    let looks = 0;
    const check = async (): Promise<PollStep<string>> => {
      looks += 1;
      throw pixmuxError('provider_error', `HTTP 503 (${looks})`, { retryable: true, status: 503 });
    };
    const error = (await pollJob({ ...fast, check, cancel, signal: new AbortController().signal, maxTransientErrors: 2 }).catch((e: unknown) => e)) as PixmuxError;
    expect(looks).toBe(3);
    expect(error.message).toBe('HTTP 503 (3)');
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('turns anything else thrown into a typed PixmuxError', async () => {
    const error = (await pollJob({ ...fast, check: async () => Promise.reject(new RangeError('boom')), signal: new AbortController().signal, provider: 'vendor' }).catch((e: unknown) => e)) as PixmuxError;
    expect(PixmuxError.isInstance(error)).toBe(true);
    expect(error.code).toBe('provider_error');
    expect(error.provider).toBe('vendor');
  });
});
