import { getMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createPixmux, defineProvider } from '../../src/index.js';
import { AbortScope } from '../../src/util/abort-scope.js';
import { makePng } from '../helpers/images.js';

const TINY_PNG = makePng(1, 1);

describe('AbortScope', () => {
  it('race settles with the promise, or rejects with the reason when the scope aborts first', async () => {
    const scope = new AbortScope();
    await expect(scope.race(Promise.resolve(7))).resolves.toBe(7);
    await expect(scope.race(Promise.reject(new Error('own')))).rejects.toThrow('own');
    const pending = scope.race(new Promise(() => {}));
    scope.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
    await expect(scope.race(Promise.resolve(1))).rejects.toThrow('stopped');
  });

  it('a settled race stops listening: aborting later reaches only the races still pending', async () => {
    const scope = new AbortScope();
    const heard: unknown[] = [];
    for (let i = 0; i < 100; i++) await scope.race(Promise.resolve(i));
    const stop = scope.onAbort((reason) => heard.push(reason));
    scope.onAbort((reason) => heard.push(`kept ${String(reason)}`));
    stop();
    scope.abort('why');
    expect(heard).toEqual(['kept why']);
  });

  it('the signal is made on first use and carries an abort that came before it', () => {
    const scope = new AbortScope();
    scope.abort('early');
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe('early');
    const later = new AbortScope();
    const signal = later.signal;
    expect(signal.aborted).toBe(false);
    later.abort('late');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('late');
    expect(later.signal).toBe(signal);
  });

  it('the first reason wins', () => {
    const scope = new AbortScope();
    scope.abort('first');
    scope.abort('second');
    expect(scope.reason).toBe('first');
  });

  it('sleep waits, and rejects at once when the scope aborts', async () => {
    const scope = new AbortScope();
    await expect(scope.sleep(1)).resolves.toBeUndefined();
    const waiting = scope.sleep(60_000);
    scope.abort(new Error('cut'));
    await expect(waiting).rejects.toThrow('cut');
  });

  it('a child aborts with its parent, but its own abort leaves the parent running', () => {
    const parent = new AbortScope();
    const loser = parent.child();
    loser.abort('cancelled');
    expect(loser.aborted).toBe(true);
    expect(parent.aborted).toBe(false);
    const other = parent.child();
    parent.abort('deadline');
    expect(other.reason).toBe('deadline');
    const parentOfDisposed = new AbortScope();
    const disposed = parentOfDisposed.child();
    disposed.dispose();
    parentOfDisposed.abort('after');
    expect(disposed.aborted).toBe(false);
  });
});

describe("the call's signal as fetch sees it", () => {
  it("Node's getMaxListeners can read it (undici asks on every request; a 0 limit made it throw and build an error each time)", async () => {
    const limits: number[] = [];
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const px = createPixmux({
      providers: [
        defineProvider({
          id: 'polls',
          tier: 'cheap',
          operations: {
            generate: async (_request, ctx) => {
              // A polling provider reads the call's signal once and hands it to every request and wait: each
              // request keeps a listener on it (undici drops them only when the request is collected).
              const signal = ctx.signal;
              for (let i = 0; i < 15; i++) {
                limits.push(getMaxListeners(signal));
                signal.addEventListener('abort', () => {});
              }
              return { images: [{ bytes: TINY_PNG }] };
            },
          },
        }),
      ],
    });
    try {
      await px.generate({ prompt: 'a cat' });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(limits).toHaveLength(15);
    expect(limits.every((limit) => limit === Number.POSITIVE_INFINITY)).toBe(true);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('aborts with the call: the caller signal reaches the provider as the reason', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const px = createPixmux({
      providers: [
        defineProvider({
          id: 'waits',
          tier: 'cheap',
          operations: {
            generate: (_request, ctx) =>
              new Promise((_resolve, reject) => {
                seen = ctx.signal;
                ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
                controller.abort(new Error('user left'));
              }),
          },
        }),
      ],
    });
    await expect(px.generate({ prompt: 'a cat', signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(seen?.aborted).toBe(true);
  });
});
