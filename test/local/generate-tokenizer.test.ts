import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPromptTokenizer, loadTokenizerLibrary, parseMerges } from '../../providers/local/pipelines/generate/tokenizer.js';
import { MERGES, writeGenerateFolder } from './helpers/generate-models.js';

const dir = mkdtempSync(join(tmpdir(), 'pixmux-tokenizer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function folder(options: Parameters<typeof writeGenerateFolder>[1]): string {
  return writeGenerateFolder(join(dir, `t${++count}`), options);
}

// The test vocabulary (helpers/generate-models.ts): a</w> 7, cat</w> 9, ,</w> 12, dog</w> 11, BOS 15, EOS 16, "!" 0.
const A_CAT_A_DOG = [15, 7, 9, 12, 7, 11, 16];

describe('the prompt tokenizer (@huggingface/tokenizers)', () => {
  it.each(['bpe', 'json'] as const)('%s files: lower-cased, whitespace folded, BPE merges, BOS/EOS, padded with "!" (id 0) to 77', async (kind) => {
    const tokenizer = await loadPromptTokenizer(folder({ tokenizer: kind }), undefined);
    expect(tokenizer.length).toBe(77);
    expect(tokenizer.padId).toBe(0);
    const ids = tokenizer.encode('A  CAT, a\tdog');
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids).toHaveLength(77);
    expect(Array.from(ids.subarray(0, 7))).toEqual(A_CAT_A_DOG);
    expect(ids.subarray(7).every((id) => id === 0)).toBe(true);
    expect(Array.from(tokenizer.encode('').subarray(0, 3))).toEqual([15, 16, 0]);
  });

  it('pads with <|endoftext|> when the config says so (SD 1.5) and with EOS when it names no pad token', async () => {
    expect((await loadPromptTokenizer(folder({ padToken: '<|endoftext|>' }), undefined)).encode('a cat')[10]).toBe(16);
  });

  it('truncates to the text encoder length, keeping EOS last', async () => {
    const tokenizer = await loadPromptTokenizer(folder({}), 77);
    const ids = tokenizer.encode('cat '.repeat(100));
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(15);
    expect(ids.subarray(1, 76).every((id) => id === 9)).toBe(true);
    expect(ids[76]).toBe(16);
    // A fixed encoder length wins over the config's model_max_length.
    expect((await loadPromptTokenizer(folder({}), 16)).encode('a cat')).toHaveLength(16);
  });

  it('merges.txt without its #version header and blank lines', () => {
    expect(parseMerges(`${MERGES.join('\n')}\n\n`)).toEqual(['c a', 'ca t</w>', 'd o', 'do g</w>']);
  });

  it('a tokenizer without the padding token it names, or broken JSON, is provider_unavailable naming the file', async () => {
    await expect(loadPromptTokenizer(folder({ padToken: '<pad>' }), undefined)).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringMatching(/has no padding token "<pad>"/) });
    const broken = folder({});
    mkdirSync(join(broken, 'tokenizer'), { recursive: true });
    writeFileSync(join(broken, 'tokenizer/vocab.json'), '{not json');
    await expect(loadPromptTokenizer(broken, undefined)).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringMatching(/tokenizer\/vocab\.json is not valid JSON/) });
  });

  it('a missing @huggingface/tokenizers is provider_unavailable saying what to install', async () => {
    await expect(loadTokenizerLibrary(() => Promise.reject(new Error("Cannot find package '@huggingface/tokenizers'")))).rejects.toMatchObject({
      code: 'provider_unavailable',
      message: expect.stringMatching(/"@huggingface\/tokenizers" could not be loaded \(Cannot find package.*npm install @huggingface\/tokenizers/),
    });
  });
});
