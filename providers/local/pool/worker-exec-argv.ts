/** Flags that take the next argument as their value when not written `--flag=value`. */
const WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

/**
 * The parent's Node flags a worker thread can take. Workers inherit `process.execArgv`, which for
 * `node --input-type=module -e "…"` holds `--input-type` and the evaluated script: a worker started from a file
 * refuses `--input-type` ("can only be used with string input") and dies at once. Those flags (and `--eval` /
 * `--print` with their scripts) describe the parent's entry, not the worker's, so they are left out; every other
 * flag (`--conditions`, `--max-old-space-size`, loaders) passes through unchanged.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index += 1) {
    const arg = execArgv[index]!;
    const name = arg.startsWith('--') ? arg.split('=', 1)[0]! : arg;
    if (WITH_VALUE.has(name)) {
      if (!arg.includes('=')) index += 1;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}
