import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Tokenizers from '@huggingface/tokenizers';
import { WorkerFailure } from '../../pool/worker-failure.js';
import { readTokenizerSettings } from './configs.js';
import { GENERATE_LAYOUT } from './layout.js';

/** A prompt as the text encoder's fixed-length ids. */
export interface PromptTokenizer {
  /** `[BOS, …tokens (truncated), EOS, PAD…]`, exactly `length` ids. */
  encode(text: string): Int32Array;
  readonly length: number;
  readonly padId: number;
}

/** CLIP's text encoders take 77 positions (SD 1.x and 2.x alike). */
export const CLIP_MAX_LENGTH = 77;

export const TOKENIZER_PACKAGE = '@huggingface/tokenizers';

type Importer = (name: string) => Promise<unknown>;
const defaultImporter: Importer = (name) => import(name);

let libraryPromise: Promise<typeof Tokenizers> | undefined;

/** Loads @huggingface/tokenizers on first use, in the worker only: importing pixmux never loads it. */
export function loadTokenizerLibrary(importer: Importer = defaultImporter): Promise<typeof Tokenizers> {
  const load = () =>
    importer(TOKENIZER_PACKAGE).then(
      (module) => ((module as { default?: typeof Tokenizers }).default?.Tokenizer ? (module as { default: typeof Tokenizers }).default : (module as typeof Tokenizers)),
      (error: unknown) => {
        throw new WorkerFailure('provider_unavailable', `the optional package "${TOKENIZER_PACKAGE}" could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). Local generation needs it: \`npm install ${TOKENIZER_PACKAGE}\`.`);
      },
    );
  if (importer !== defaultImporter) return load();
  libraryPromise ??= load().catch((error: unknown) => {
    libraryPromise = undefined;
    throw error;
  });
  return libraryPromise;
}

/**
 * The `tokenizer.json` that Hugging Face's fast CLIPTokenizer (transformers `convert_slow_tokenizer.CLIPConverter`)
 * builds from `vocab.json` and `merges.txt`: NFC, whitespace runs to one space, lower case; CLIP's split pattern
 * and byte-level pre-tokenizer; BPE with the `</w>` end-of-word suffix.
 */
export function clipTokenizerJson(vocab: Record<string, number>, merges: string[], bos: string, eos: string): Record<string, unknown> {
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [bos, eos].filter((token) => vocab[token] !== undefined).map(special),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: eos, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

/** `merges.txt` lines, without the `#version` header and blank lines. */
export function parseMerges(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0 && !line.startsWith('#version'));
}

function readText(folder: string, file: string): string {
  try {
    return readFileSync(join(folder, file), 'utf8');
  } catch {
    throw new WorkerFailure('provider_unavailable', `the model folder ${folder} has no readable ${file}`);
  }
}

function readJsonFile(folder: string, file: string): unknown {
  try {
    return JSON.parse(readText(folder, file));
  } catch (error) {
    if (error instanceof WorkerFailure) throw error;
    throw new WorkerFailure('provider_unavailable', `${join(folder, file)} is not valid JSON`);
  }
}

/**
 * The model's own tokenizer: `tokenizer/tokenizer.json` when the folder has one, else a CLIP BPE tokenizer built from
 * `vocab.json` and `merges.txt`. Special tokens and the padding token come from `tokenizer_config.json` (or
 * `special_tokens_map.json`): SD 2.x and SD-Turbo pad with `!` (id 0), SD 1.5 with `<|endoftext|>`.
 * `length` is the text encoder's sequence length when its input is fixed, else the config's `model_max_length` (77).
 */
export async function loadPromptTokenizer(folder: string, encoderLength: number | undefined, importer?: Importer): Promise<PromptTokenizer> {
  const library = await loadTokenizerLibrary(importer);
  const settings = readTokenizerSettings(folder);
  const bos = settings.bosToken ?? '<|startoftext|>';
  const eos = settings.eosToken ?? '<|endoftext|>';
  let json: unknown;
  try {
    json = readJsonFile(folder, GENERATE_LAYOUT.tokenizerJson);
  } catch {
    const vocab = readJsonFile(folder, GENERATE_LAYOUT.vocab);
    if (typeof vocab !== 'object' || vocab === null) throw new WorkerFailure('provider_unavailable', `${join(folder, GENERATE_LAYOUT.vocab)} is not a token → id map`);
    json = clipTokenizerJson(vocab as Record<string, number>, parseMerges(readText(folder, GENERATE_LAYOUT.merges)), bos, eos);
  }
  let tokenizer: Tokenizers.Tokenizer;
  try {
    tokenizer = new library.Tokenizer(json as object, {});
  } catch (error) {
    throw new WorkerFailure('provider_unavailable', `the tokenizer in ${join(folder, 'tokenizer')} could not be built: ${error instanceof Error ? error.message : String(error)}`);
  }
  const id = (token: string, role: string) => {
    const value = tokenizer.token_to_id(token);
    if (value === undefined) throw new WorkerFailure('provider_unavailable', `the tokenizer in ${join(folder, 'tokenizer')} has no ${role} token "${token}"`);
    return value;
  };
  const bosId = id(bos, 'start');
  const eosId = id(eos, 'end');
  const padId = settings.padToken === undefined ? eosId : id(settings.padToken, 'padding');
  const length = encoderLength ?? settings.maxLength ?? CLIP_MAX_LENGTH;
  return {
    length,
    padId,
    encode(text) {
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      const result = new Int32Array(length).fill(padId);
      result[0] = bosId;
      const kept = ids.slice(0, length - 2);
      result.set(kept, 1);
      result[kept.length + 1] = eosId;
      return result;
    },
  };
}
