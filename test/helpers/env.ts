/** Runs `body` with an environment variable set (or removed, for `undefined`), then restores what was there. */
export async function withEnv(name: string, value: string | undefined, body: () => Promise<void>): Promise<void> {
  const saved = process.env[name];
  try {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}
