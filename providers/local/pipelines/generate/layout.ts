import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The two text-to-image pipelines: SD-Turbo (Euler ancestral, no guidance) and LCM (LCM scheduler, guidance embedded). */
export type GeneratePipelineId = 'sd-turbo' | 'lcm';

export const GENERATE_PIPELINES: readonly GeneratePipelineId[] = ['sd-turbo', 'lcm'];

/**
 * The Hugging Face ONNX export's folder layout (optimum's `ORTStableDiffusionPipeline`, schmuell/sd-turbo-ort-web,
 * SimianLuo/LCM_Dreamshaper_v7): one sub-folder per model. A UNet's `model.onnx_data` must sit beside its `model.onnx`.
 */
export const GENERATE_LAYOUT = {
  textEncoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  vaeDecoder: 'vae_decoder/model.onnx',
  scheduler: 'scheduler/scheduler_config.json',
  /** Either this, or `vocab.json` and `merges.txt` (CLIP's BPE files). */
  tokenizerJson: 'tokenizer/tokenizer.json',
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  tokenizerConfig: 'tokenizer/tokenizer_config.json',
  specialTokens: 'tokenizer/special_tokens_map.json',
  vaeConfig: 'vae_decoder/config.json',
} as const;

/** The files a model folder lacks, as paths relative to it (empty when it is complete). */
export function missingGenerateFiles(folder: string): string[] {
  const has = (file: string) => existsSync(join(folder, file));
  const missing: string[] = [GENERATE_LAYOUT.textEncoder, GENERATE_LAYOUT.unet, GENERATE_LAYOUT.vaeDecoder, GENERATE_LAYOUT.scheduler].filter((file) => !has(file));
  if (!has(GENERATE_LAYOUT.tokenizerJson)) {
    const bpe = [GENERATE_LAYOUT.vocab, GENERATE_LAYOUT.merges].filter((file) => !has(file));
    if (bpe.length > 0) missing.push(`${GENERATE_LAYOUT.tokenizerJson} (or ${bpe.join(' and ')})`);
  }
  return missing;
}
