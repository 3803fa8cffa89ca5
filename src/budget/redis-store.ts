import { pixmuxError } from '../errors/create-error.js';
import { assertMicros, type BudgetStore, type BudgetWindow, type ReserveAnswer } from './types.js';

/**
 * The part of a Redis client the store uses: ioredis's `eval` (and `evalsha`, when present) fit as they are.
 * For node-redis v4+, adapt: `{ eval: (script, n, ...args) => client.eval(script, { keys: args.slice(0, n), arguments: args.slice(n).map(String) }) }`.
 */
export interface RedisEvalClient {
  eval(script: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  evalsha?(sha1: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}

export interface RedisBudgetStoreOptions {
  /** A connected client you own (pixmux never connects, quits or depends on a Redis library). */
  client: RedisEvalClient;
  /**
   * Prepended to every key. One script touches every period's key, so on Redis Cluster they must share a slot:
   * keep a `{hash tag}` in your prefix. @default 'pixmux:{budget}:'
   */
  prefix?: string;
}

/** Checks every window, then adds to all of them; one script, so no other client can slip in between. */
const RESERVE_SCRIPT = `
local amount = tonumber(ARGV[1])
local n = #KEYS
for i = 1, n do
  local spent = tonumber(redis.call('GET', KEYS[i]) or '0')
  local limit = tonumber(ARGV[1 + i])
  if spent + amount > limit then return {0, i, spent} end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[i], amount)
  redis.call('PEXPIREAT', KEYS[i], ARGV[1 + n + i])
end
return {1}
`;

const ADJUST_SCRIPT = `
local n = #KEYS
for i = 1, n do
  redis.call('INCRBY', KEYS[i], ARGV[1])
  redis.call('PEXPIREAT', KEYS[i], ARGV[1 + i])
end
return 1
`;

const SPENT_SCRIPT = `return tonumber(redis.call('GET', KEYS[1]) or '0')`;

/**
 * A budget store shared by every process that points at one Redis: reserve and adjust are Lua scripts (atomic),
 * counters are integers of micro-dollars, and each key expires shortly after its period ends.
 * @example
 * import { Redis } from 'ioredis';
 * const store = redisBudgetStore({ client: new Redis(process.env.REDIS_URL!) });
 */
export function redisBudgetStore(options: RedisBudgetStoreOptions): BudgetStore {
  const client = options?.client;
  if (!client || typeof client.eval !== 'function') throw pixmuxError('invalid_request', 'redisBudgetStore: client must have an eval(script, numKeys, ...args) method (ioredis fits)');
  const prefix = options.prefix ?? 'pixmux:{budget}:';
  const shas = new Map<string, Promise<string | undefined>>();

  async function run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const params = [...keys, ...args];
    if (typeof client.evalsha === 'function') {
      const sha = await sha1Of(script);
      if (sha) {
        try {
          return await client.evalsha(sha, keys.length, ...params);
        } catch (error) {
          if (!/NOSCRIPT/i.test(error instanceof Error ? error.message : String(error))) throw storeError(error);
        }
      }
    }
    try {
      return await client.eval(script, keys.length, ...params);
    } catch (error) {
      throw storeError(error);
    }
  }

  function sha1Of(script: string): Promise<string | undefined> {
    let sha = shas.get(script);
    if (!sha) {
      sha = sha1Hex(script);
      shas.set(script, sha);
    }
    return sha;
  }

  const keysOf = (windows: BudgetWindow[]) => windows.map((window) => prefix + window.key);

  return {
    async reserve(windows, micros): Promise<ReserveAnswer> {
      assertMicros(micros, 'reserve');
      if (windows.length === 0) return { ok: true };
      const answer = (await run(RESERVE_SCRIPT, keysOf(windows), [micros, ...windows.map((w) => w.limitMicros), ...windows.map((w) => w.expiresAt)])) as unknown[];
      if (Array.isArray(answer) && Number(answer[0]) === 1) return { ok: true };
      const index = Number(Array.isArray(answer) ? answer[1] : 1) - 1;
      const window = windows[index] ?? windows[0]!;
      return { ok: false, key: window.key, spentMicros: Number(Array.isArray(answer) ? answer[2] : 0) || 0, limitMicros: window.limitMicros };
    },
    async adjust(windows, deltaMicros) {
      assertMicros(deltaMicros, 'adjust');
      if (windows.length === 0 || deltaMicros === 0) return;
      await run(ADJUST_SCRIPT, keysOf(windows), [deltaMicros, ...windows.map((w) => w.expiresAt)]);
    },
    async spent(window) {
      return Number(await run(SPENT_SCRIPT, [prefix + window.key], [])) || 0;
    },
  };
}

async function sha1Hex(text: string): Promise<string | undefined> {
  try {
    const digest = await globalThis.crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
    return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  } catch {
    return undefined;
  }
}

function storeError(error: unknown) {
  return pixmuxError('provider_unavailable', `Budget store (Redis) failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error });
}
