import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createPixmux, ERROR_CODES, memoryBudgetStore, PixmuxError, type PixmuxResult } from 'pixmux';
import { openaiCompatible } from '../../providers/openai-compatible/index.js';
import { makePng, toBase64 } from '../helpers/images.js';
import { useMswServer } from '../helpers/msw.js';
import { PNG, stub } from './stub.js';
import { dayKey } from '../helpers/clock.js';

const server = useMswServer();
const png64 = toBase64(makePng(8, 8));

/** A seeded generator, so a failing run can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const activeTimeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('chaos', () => {
  it('2,000 calls through three randomly failing providers: every call ends typed, nothing leaks, spend stays within budget', async () => {
    const random = mulberry32(Number(process.env.CHAOS_SEED ?? 20261125));
    const seen: Record<string, number> = {};
    /** One randomly chosen fate per HTTP request: success, 5xx, 429 with Retry-After, a timeout, a malformed body, a dropped connection. */
    const chaotic = async () => {
      const roll = random();
      const fate = roll < 0.45 ? 'ok' : roll < 0.58 ? '5xx' : roll < 0.68 ? '429' : roll < 0.74 ? 'timeout' : roll < 0.87 ? 'malformed' : 'dropped';
      seen[fate] = (seen[fate] ?? 0) + 1;
      switch (fate) {
        case 'ok':
          return HttpResponse.json({ data: [{ b64_json: png64 }] });
        case '5xx':
          return HttpResponse.json({ error: { message: 'upstream exploded' } }, { status: random() < 0.5 ? 500 : 503 });
        case '429':
          return HttpResponse.json({ error: { message: 'slow down' } }, { status: 429, headers: { 'retry-after-ms': String(Math.floor(random() * 3)) } });
        case 'timeout':
          await delay(40);
          return HttpResponse.json({ data: [{ b64_json: png64 }] });
        case 'malformed':
          return random() < 0.5 ? new HttpResponse('{"data": [', { headers: { 'content-type': 'application/json' } }) : HttpResponse.json({ data: [{ b64_json: 'bm90IGFuIGltYWdl' }] });
        default:
          return HttpResponse.error();
      }
    };
    server.use(http.post('http://cheap.chaos/v1/images/generations', chaotic), http.post('http://premium.chaos/v1/images/generations', chaotic));

    const cheap = openaiCompatible({ id: 'cheap', baseURL: 'http://cheap.chaos/v1', model: 'm', tier: 'cheap', prices: { default: { perImage: 0.001 } }, requestTimeoutMs: 15, maxConcurrency: 32 });
    const premium = openaiCompatible({ id: 'premium', baseURL: 'http://premium.chaos/v1', model: 'm', tier: 'premium', prices: { default: { perImage: 0.003 } }, requestTimeoutMs: 15, maxConcurrency: 32 });
    const local = stub('local', {
      tier: 'local',
      priceUsd: 0,
      maxConcurrency: 4,
      answer: async (_n, ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const roll = random();
        if (roll < 0.25) throw new Error('worker crashed');
        if (roll < 0.3) return { images: [{ bytes: new Uint8Array([1, 2, 3]) }] };
        return { images: [{ bytes: PNG }], costUsd: 0 };
      },
    });

    const budgetUsd = 2.5;
    const store = memoryBudgetStore();
    const px = createPixmux({
      providers: [premium, cheap, local.provider],
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2, jitter: 0 },
      timeoutMs: 10_000,
      policy: { spill: { maxQueue: 4 } },
      circuit: { failureThreshold: 6, cooldownMs: 20 },
      budget: { limits: [{ usd: budgetUsd, per: 'day' }], store },
    });

    let unhandled = 0;
    const onUnhandled = () => (unhandled += 1);
    process.on('unhandledRejection', onUnhandled);
    const timersBefore = activeTimeouts();
    const startedAt = Date.now();
    const dayAtStart = dayKey(startedAt);
    try {
      const outcomes: Array<{ ok: true; result: PixmuxResult } | { ok: false; error: unknown }> = [];
      // Waves of 250 concurrent calls: enough to saturate local and queue at the APIs.
      for (let wave = 0; wave < 8; wave++) {
        const settled = await Promise.allSettled(Array.from({ length: 250 }, (_, i) => px.generate({ prompt: `chaos ${wave}-${i}` })));
        for (const s of settled) outcomes.push(s.status === 'fulfilled' ? { ok: true, result: s.value } : { ok: false, error: s.reason });
      }
      const elapsedMs = Date.now() - startedAt;

      expect(outcomes).toHaveLength(2_000);
      const errors = outcomes.filter((o): o is { ok: false; error: unknown } => !o.ok).map((o) => o.error);
      expect(errors.every((error) => PixmuxError.isInstance(error))).toBe(true);
      const codes = new Set(errors.map((error) => (error as PixmuxError).code));
      // A call whose deadline passes while it waits its turn under load ends in `timeout`: typed, like the rest.
      for (const code of codes) expect(ERROR_CODES).toContain(code);
      const results = outcomes.filter((o): o is { ok: true; result: PixmuxResult } => o.ok).map((o) => o.result);
      expect(results.length).toBeGreaterThan(500);
      // The limit was binding: late calls found no room at the paid providers and were refused before calling them;
      // the free local provider still took them (a $0 call cannot pass a limit).
      const refusedPaid = outcomes.filter((o) => (o.ok ? o.result.attempts : ((o.error as PixmuxError).attempts ?? [])).some((a) => a.skipped === 'over_budget'));
      expect(refusedPaid.length).toBeGreaterThan(0);
      expect(results.every((result) => result.images.length === 1 && result.images[0]!.width === 8)).toBe(true);
      // Every failure says why, attempt by attempt.
      for (const error of errors as PixmuxError[]) expect(error.attempts?.length).toBeGreaterThan(0);

      const spent = results.reduce((sum, r) => sum + r.costUsd, 0) + (errors as PixmuxError[]).reduce((sum, e) => sum + (e.attempts ?? []).reduce((s, a) => s + (a.costUsd ?? 0), 0), 0);
      // The day's window holds what was billed. A run that crossed UTC midnight (its clock stays real: circuits cool
      // down by it) spread its spend over two days, each within the limit.
      const days = [...new Set([dayAtStart, dayKey(Date.now())])];
      let counted = 0;
      for (const key of days) counted += (await store.spent({ key, limitMicros: 0, expiresAt: 0 })) / 1e6;
      expect(spent).toBeLessThanOrEqual(budgetUsd * days.length);
      expect(counted).toBeCloseTo(spent, 6);

      // Every fate happened. (How long the run took is printed, not asserted: about 3 s on an idle 2-core machine.)
      expect(Object.keys(seen).sort()).toEqual(['429', '5xx', 'dropped', 'malformed', 'ok', 'timeout']);
      console.info(`[chaos] ${results.length} ok, ${errors.length} failed (${[...codes].join(', ')}), $${spent.toFixed(3)} of $${budgetUsd}, ${elapsedMs} ms, fates ${JSON.stringify(seen)}`);

      // msw's own delay() timers from the 'timeout' fate end within 40 ms; after that nothing of ours may be left.
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
      expect(unhandled).toBe(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 180_000);
});
