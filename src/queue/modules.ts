import { pixmuxError } from 'pixmux';

/** The parts of bullmq and ioredis the queue uses: optional peers, loaded on first use, never by `import 'pixmux'`. */
export type BullMQ = typeof import('bullmq');
export type IORedisModule = typeof import('ioredis');
export type RedisClient = import('ioredis').Redis;

let modules: Promise<{ bullmq: BullMQ; Redis: IORedisModule['Redis'] }> | undefined;

/** Loads bullmq and ioredis once; a typed `provider_unavailable` error names the install command when one is missing. */
export function loadQueueModules(): Promise<{ bullmq: BullMQ; Redis: IORedisModule['Redis'] }> {
  modules ??= Promise.all([importOrExplain('bullmq', () => import('bullmq')), importOrExplain('ioredis', () => import('ioredis'))]).then(([bullmq, ioredis]) => ({
    bullmq,
    Redis: ioredis.Redis ?? (ioredis as unknown as { default: IORedisModule['Redis'] }).default,
  }));
  modules.catch(() => {
    modules = undefined;
  });
  return modules;
}

/** Literal imports, so that a bundler sees them; the failure names the package to install. */
async function importOrExplain<T>(name: 'bullmq' | 'ioredis', load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw pixmuxError('provider_unavailable', `pixmux/queue needs the optional peer dependency "${name}": npm install bullmq ioredis`, { cause: error });
  }
}
