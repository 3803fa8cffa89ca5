import { PixmuxError, pixmuxError } from 'pixmux';
import type { RedisClient, IORedisModule } from './modules.js';

/**
 * Where the queue lives: a Redis URL (`redis://user:pass@host:6379/0`, `rediss://…` for TLS) or ioredis options
 * (`{ host, port, password, tls, … }`). Every producer and worker of one queue points at the same Redis.
 */
export type QueueConnection = string | ({ host?: string; port?: number; password?: string; username?: string; db?: number } & Record<string, unknown>);

/**
 * Opens an ioredis client for BullMQ. Workers and event readers block on Redis and retry for ever
 * (`maxRetriesPerRequest: null`, as BullMQ requires); a producer's commands fail after ioredis's 20 retries instead,
 * so an unreachable Redis is an error, not a hang.
 */
export function openRedis(Redis: IORedisModule['Redis'], connection: QueueConnection, role: 'producer' | 'blocking'): RedisClient {
  const options = { maxRetriesPerRequest: role === 'producer' ? 20 : null, enableReadyCheck: true };
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//i.test(connection)) throw pixmuxError('invalid_request', 'queue: connection must be a redis:// or rediss:// URL, or ioredis options');
    return new Redis(connection, options);
  }
  return new Redis({ ...connection, ...options });
}

/** Checks the connection option before anything loads, so a typo fails at once and typed. */
export function checkConnection(connection: unknown, who: string): asserts connection is QueueConnection {
  if (typeof connection === 'string' && /^rediss?:\/\//i.test(connection)) return;
  if (typeof connection === 'object' && connection !== null && !Array.isArray(connection)) return;
  throw pixmuxError('invalid_request', `${who}: connection must be a redis:// URL or ioredis options (got ${typeof connection === 'string' ? 'a string that is not a redis:// URL' : typeof connection})`);
}

/** Queue names become Redis key parts: BullMQ refuses ':' in them. */
export function checkName(name: unknown, who: string): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(name)) {
    throw pixmuxError('invalid_request', `${who}: name must be 1-100 letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)})`);
  }
}

/** The key where workers add up what jobs cost (whole micro-dollars), beside BullMQ's own keys for the queue. */
export const costKey = (prefix: string, name: string) => `${prefix}:${name}:pixmux:cost-micros`;

/** Closes a client quietly: a connection that is already gone is not an error at shutdown. */
export async function closeRedis(client: RedisClient): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** A Redis failure on a producer's call, typed (retryable: the queue may be back soon). */
export function redisFailure(error: unknown): PixmuxError {
  if (PixmuxError.isInstance(error)) return error;
  return pixmuxError('provider_unavailable', `queue: Redis failed: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error });
}
