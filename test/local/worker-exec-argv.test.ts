import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../providers/local/pool/worker-exec-argv.js';

describe('workerExecArgv', () => {
  it('drops the parent entry flags a worker refuses, with their values, and keeps the rest', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'code()', '--max-old-space-size=512'])).toEqual(['--max-old-space-size=512']);
    expect(workerExecArgv(['--input-type', 'module', '--eval', 'x', '--conditions=dev'])).toEqual(['--conditions=dev']);
    expect(workerExecArgv(['-p', '1+1', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(workerExecArgv([])).toEqual([]);
  });
});
