import type { ModelFile, ModelSpec } from './types.js';

/** Every model id in the manifest. */
export type ModelId =
  | 'birefnet-general-lite'
  | 'birefnet-general'
  | 'birefnet-portrait'
  | 'isnet-general-use'
  | 'u2net'
  | 'u2netp'
  | 'u2net-human-seg'
  | 'modnet'
  | 'sinet-portrait'
  | 'pphumanseg-lite-portrait'
  | 'bria-rmbg-2.0'
  | 'gfpgan-1.4'
  | 'restoreformer-plus-plus'
  | 'codeformer'
  | 'yunet-2023mar'
  | 'lcm-dreamshaper-v7'
  | 'sd-turbo';

// Facts below come from the research report (shared/reference/local-models.md, cited as §n) and the
// fixture notes (shared/fixtures/models/SOURCES.md). "[3rd-party]" marks a hash or size published by
// another project than the model's publisher: the downloader checks it on first download either way.

const REMBG = 'https://github.com/danielgatis/rembg/releases/download/v0.0.0/';
const FACEFUSION_GITHUB = 'https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/';
const FACEFUSION_HF = 'https://huggingface.co/facefusion/models-3.0.0/resolve/main/';
const OPENCV_ZOO_COMMIT = '82b38c8f98e7b52aa171400f3e4c722352d0669f';
const LIBFACEDETECTION_COMMIT = '0047ac24afb1a50a0c6105001c89d1b5b805dbf1';

const REMBG_SOURCE = 'URL and md5: rembg sessions (danielgatis/rembg, its own pins); sha256 and size [3rd-party]; local-models.md §0, §1.2';
const FACEFUSION_SOURCE = 'URLs: facefusion choices.py download sets (GitHub + Hugging Face mirror); sha256 [3rd-party, facefusion only]; local-models.md §0, §2.4, §2.6';

// Hugging Face repositories in the ONNX folder layout, fetched at one revision. No hash or exact size of these files
// could be read offline, so each file takes its expected hash from the server (ModelFile.hashFrom): see the README.
/** SimianLuo/LCM_Dreamshaper_v7 at a commit named by one third-party source (a diffusers script pinning `revision=`). */
const LCM_DREAMSHAPER_REVISION = 'a85df6a8bd976cdd08b4fd8f3b73f229c9e54df5';
/** schmuell/sd-turbo-ort-web: no commit id was found offline, so the branch is named; pin one when it is looked up. */
const SD_TURBO_ORT_WEB_REVISION = 'main';

/** The text-to-image files of a Hugging Face ONNX export (local-models.md §3.5), each verified by the server's declared hash. */
function huggingFaceFolder(repo: string, revision: string, paths: string[]): ModelFile[] {
  return paths.map((name) => ({ name, urls: [`https://huggingface.co/${repo}/resolve/${revision}/${name}`], hashFrom: 'huggingface' }));
}

const GENERATE_FILES = ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx'];
const TOKENIZER_FILES = ['tokenizer/vocab.json', 'tokenizer/merges.txt', 'tokenizer/special_tokens_map.json', 'tokenizer/tokenizer_config.json'];
const SCHEDULER_FILE = 'scheduler/scheduler_config.json';

const ALL_MODELS: Array<ModelSpec & { id: ModelId }> = [
  {
    id: 'birefnet-general-lite',
    operation: 'removeBackground',
    files: [
      {
        name: 'BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx',
        urls: [`${REMBG}BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx`],
        sha256: '5600024376f572a557870a5eb0afb1e5961636bef4e1e22132025467d0f03333',
        md5: '4fab47adc4ff364be1713e97b7e66334',
        size: 224_005_088,
      },
    ],
    license: 'MIT',
    commercial: true,
    preset: 'birefnet',
    description: 'BiRefNet general, Swin-tiny backbone: the recommended default for GPU or CPU (1024×1024 input).',
    source: `${REMBG_SOURCE} (sha256 seen in 2 sources)`,
    notes: 'BiRefNet code and weights are MIT; check the training data terms for your use (local-models.md §6).',
  },
  {
    id: 'birefnet-general',
    operation: 'removeBackground',
    files: [
      {
        name: 'BiRefNet-general-epoch_244.onnx',
        urls: [`${REMBG}BiRefNet-general-epoch_244.onnx`],
        sha256: '58f621f00f5d756097615970a88a791584600dcf7c45b18a0a6267535a1ebd3c',
        md5: '7a35a0141cbbc80de11d9c9a28f52697',
        size: 972_666_916,
      },
    ],
    license: 'MIT',
    commercial: true,
    preset: 'birefnet',
    description: 'BiRefNet general, full size: the quality tier, best on a GPU (1024×1024 input).',
    source: `${REMBG_SOURCE} (sha256 seen in 4 or more sources)`,
  },
  {
    id: 'birefnet-portrait',
    operation: 'removeBackground',
    files: [
      {
        name: 'BiRefNet-portrait-epoch_150.onnx',
        urls: [`${REMBG}BiRefNet-portrait-epoch_150.onnx`],
        sha256: '1ba1c8ff5a7bbfadc8d8d13fb11d7be793f91f23d9d466549e37a854f6668f99',
        md5: 'c3a64a6abf20250d090cd055f12a3b67',
        size: 972_666_916,
      },
    ],
    license: 'MIT',
    commercial: true,
    preset: 'birefnet',
    description: 'BiRefNet trained for portraits (1024×1024 input).',
    source: REMBG_SOURCE,
  },
  {
    id: 'isnet-general-use',
    operation: 'removeBackground',
    files: [
      {
        name: 'isnet-general-use.onnx',
        urls: [`${REMBG}isnet-general-use.onnx`],
        sha256: '60920e99c45464f2ba57bee2ad08c919a52bbf852739e96947fbb4358c0d964a',
        md5: 'fc16ebd8b0c10d971d3513d564d01e29',
        size: 178_648_008,
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'isnet',
    description: 'IS-Net (DIS) general use: a faster CPU tier (1024×1024 input).',
    source: REMBG_SOURCE,
    notes: 'DIS code is Apache-2.0; the DIS5K training set has its own terms of use, not reviewed (local-models.md §6.6).',
  },
  {
    id: 'u2net',
    operation: 'removeBackground',
    files: [
      {
        name: 'u2net.onnx',
        urls: [`${REMBG}u2net.onnx`],
        sha256: '8d10d2f3bb75ae3b6d527c77944fc5e7dcd94b29809d47a739a7a728a912b491',
        md5: '60024c5c889badc19c04ad937298a77b',
        size: 175_997_641,
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'u2net',
    description: 'U²-Net, the classic rembg model (320×320 input).',
    source: REMBG_SOURCE,
  },
  {
    id: 'u2netp',
    operation: 'removeBackground',
    files: [
      {
        name: 'u2netp.onnx',
        urls: [`${REMBG}u2netp.onnx`],
        sha256: '309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8',
        md5: '8e83ca70e441ab06c318d82300c84806',
        size: 4_574_861,
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'u2net',
    description: 'U²-Net small (4.6 MB): the tiny, fast fallback (320×320 input).',
    source: REMBG_SOURCE,
  },
  {
    id: 'u2net-human-seg',
    operation: 'removeBackground',
    files: [
      {
        name: 'u2net_human_seg.onnx',
        urls: [`${REMBG}u2net_human_seg.onnx`],
        sha256: '01eb6a29a5c4d8edb30b56adad9bb3a2a0535338e480724a213e0acfd2d1c73c',
        md5: 'c09ddc2e0104f800e3e1bb4652583d1f',
        size: 175_997_641,
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'u2net',
    description: 'U²-Net trained for human segmentation (320×320 input).',
    source: `${REMBG_SOURCE} (sha256 seen in 1 source)`,
  },
  {
    id: 'modnet',
    operation: 'removeBackground',
    files: [
      {
        name: 'modnet.onnx',
        urls: ['https://huggingface.co/Xenova/modnet/resolve/main/onnx/model.onnx'],
        sha256: '07c308cf0fc7e6e8b2065a12ed7fc07e1de8febb7dc7839d7b7f15dd66584df9',
        size: 25_888_640,
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'modnet',
    description: 'MODNet portrait matting, the Xenova/modnet export used by transformers.js (portraits only).',
    source: 'Xenova/modnet onnx/model.onnx (Hugging Face, branch main, not pinned to a commit); sha256 and size [3rd-party]; licence: ZHKKKe/MODNet README (Apache-2.0 since 2022-01-28); local-models.md §1.5',
  },
  {
    id: 'sinet-portrait',
    operation: 'removeBackground',
    files: [
      {
        name: 'sinet_portrait_softmax_320.onnx',
        urls: ['https://raw.githubusercontent.com/anilsathyan7/Portrait-Segmentation/dbf69b043cf70d3362bc500ee620f20807e622d2/SINet/SINet_Softmax.onnx'],
        sha256: '932c83e0013e07bbe597fe0007ba5ae6add3fbb6413ca5b81f18b2d410ac7259',
        size: 438_815,
      },
    ],
    license: 'MIT',
    commercial: false,
    preset: 'sinet',
    description: 'SINet portrait segmentation (0.4 MB, 320×320, softmax output): tiny and fast, rough edges.',
    source: 'anilsathyan7/Portrait-Segmentation SINet/SINet_Softmax.onnx at a pinned commit; hash and size verified on the bytes (shared/fixtures/models/SOURCES.md §2a)',
    notes: 'The code is MIT but the weights were trained on AISegment and Baidu portrait data whose terms are not stated: treat as not cleared for commercial use.',
  },
  {
    id: 'pphumanseg-lite-portrait',
    operation: 'removeBackground',
    files: [
      {
        name: 'pphumanseg_lite_portrait_398x224.onnx',
        urls: ['https://raw.githubusercontent.com/Chernobyl81/Humanseg_CPP/76c78d873221ecf8527b3b94003763498e6115d2/model_repository/ppseg_onnx/1/model.onnx'],
        sha256: '20948f5f82a0ef020f8dd5d59a919b792936cbdf0e4beb49ac8b61f56f89fd0f',
        size: 617_790,
      },
    ],
    license: 'Apache-2.0',
    commercial: false,
    preset: 'pphumanseg',
    description: 'PP-HumanSeg-Lite portrait (0.6 MB, 398×224, softmax output): tiny and fast, portraits only.',
    source: 'Chernobyl81/Humanseg_CPP model_repository/ppseg_onnx/1/model.onnx at a pinned commit; hash and size verified on the bytes (shared/fixtures/models/SOURCES.md §2b)',
    notes: 'Upstream PaddleSeg model is Apache-2.0, but these bytes come through a third-party repository without a licence file and were not matched to PaddleSeg\'s release.',
  },
  {
    id: 'bria-rmbg-2.0',
    operation: 'removeBackground',
    files: [
      {
        name: 'bria-rmbg-2.0.onnx',
        urls: [`${REMBG}bria-rmbg-2.0.onnx`],
        sha256: '5b486f08200f513f460da46dd701db5fbb47d79b4be4b708a19444bcd4e79958',
      },
    ],
    license: 'CC-BY-NC-4.0',
    commercial: false,
    preset: 'rmbg2',
    description: 'BRIA RMBG-2.0 (BiRefNet architecture, about 1 GB, 1024×1024): high quality, non-commercial licence.',
    source: 'rembg bria_rmbg session: GitHub mirror URL and its own sha256 pin; size not stated; local-models.md §1.2, §1.4',
    notes: 'Commercial use needs an agreement with BRIA. The graph outputs probabilities (no sigmoid).',
  },
  {
    id: 'gfpgan-1.4',
    operation: 'restoreFace',
    files: [
      {
        name: 'gfpgan_1.4.onnx',
        urls: [`${FACEFUSION_GITHUB}gfpgan_1.4.onnx`, `${FACEFUSION_HF}gfpgan_1.4.onnx`],
        sha256: 'accc4757b26bdb89b32b4d3500d4f79c9dff97c1dd7c7104bf9dcb95e3311385',
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'gfpgan',
    description: 'GFPGAN 1.4 face restoration (512×512 aligned face crops, ffhq_512 template), about 340 MB.',
    source: FACEFUSION_SOURCE,
    notes: 'GFPGAN is Apache-2.0 except third-party parts; weights trained on FFHQ (CC BY-NC-SA dataset). Legal review recommended (local-models.md §2.6).',
    requires: ['yunet-2023mar'],
  },
  {
    id: 'restoreformer-plus-plus',
    operation: 'restoreFace',
    files: [
      {
        name: 'restoreformer_plus_plus.onnx',
        urls: [`${FACEFUSION_GITHUB}restoreformer_plus_plus.onnx`, `${FACEFUSION_HF}restoreformer_plus_plus.onnx`],
        sha256: 'f4db5a89902b6a2d452446f5721245a6f7185f699b6aec7b77285adb4d504337',
      },
    ],
    license: 'Apache-2.0',
    commercial: true,
    preset: 'gfpgan',
    description: 'RestoreFormer++ face restoration (512×512, ffhq_512 template, same I/O as GFPGAN).',
    source: FACEFUSION_SOURCE,
    notes: 'Repository licence is Apache-2.0; training on FFHQ carries the same doubt as GFPGAN.',
    requires: ['yunet-2023mar'],
  },
  {
    id: 'codeformer',
    operation: 'restoreFace',
    files: [
      {
        name: 'codeformer.onnx',
        urls: [`${FACEFUSION_GITHUB}codeformer.onnx`, `${FACEFUSION_HF}codeformer.onnx`],
        sha256: '21710e7ab61c82683576c428e9c1b6fe1ed419586b7b39e394c3449c294b550f',
      },
    ],
    license: 'S-Lab-1.0',
    commercial: false,
    preset: 'codeformer',
    description: 'CodeFormer face restoration (512×512, fidelity weight input), about 377 MB; non-commercial licence.',
    source: FACEFUSION_SOURCE,
    notes: 'S-Lab License 1.0: non-commercial use only; commercial use needs the authors\' permission.',
    requires: ['yunet-2023mar'],
  },
  {
    id: 'yunet-2023mar',
    operation: 'restoreFace',
    files: [
      {
        name: 'face_detection_yunet_2023mar.onnx',
        urls: [
          `https://media.githubusercontent.com/media/opencv/opencv_zoo/${OPENCV_ZOO_COMMIT}/models/face_detection_yunet/face_detection_yunet_2023mar.onnx`,
          `https://raw.githubusercontent.com/ShiqiYu/libfacedetection.train/${LIBFACEDETECTION_COMMIT}/onnx/yunet_s_640_640.onnx`,
        ],
        sha256: '8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4',
        size: 232_589,
      },
    ],
    license: 'MIT',
    commercial: true,
    preset: 'yunet',
    role: 'detector',
    description: 'YuNet face detector with 5-point landmarks (640×640 BGR, raw 0–255): the detector for face restoration.',
    source: 'OpenCV Zoo Git LFS pointer (publisher\'s sha256 and size) at a pinned commit; the libfacedetection.train file is byte-identical; verified on the bytes (shared/fixtures/models/SOURCES.md §1; local-models.md §0, §2.2)',
    notes: 'OpenCV Zoo says MIT; libfacedetection.train\'s LICENSE is Apache-2.0. Both permissive. facefusion\'s yunet_2023_mar.onnx was not confirmed byte-identical, so it is not listed as a mirror.',
  },
  {
    id: 'lcm-dreamshaper-v7',
    operation: 'generate',
    layout: 'folder',
    files: huggingFaceFolder('SimianLuo/LCM_Dreamshaper_v7', LCM_DREAMSHAPER_REVISION, [...GENERATE_FILES, 'unet/model.onnx_data', ...TOKENIZER_FILES, SCHEDULER_FILE]),
    license: 'MIT',
    commercial: true,
    preset: 'lcm',
    description: 'LCM Dreamshaper v7 (SD 1.5 distilled by latent consistency, fp32, 512×512, 2–8 steps), about 4.1 GB on disk; runs on the CPU (slowly) and CUDA.',
    source: 'SimianLuo/LCM_Dreamshaper_v7 on Hugging Face (ONNX export folders), revision from one third-party script [3rd-party, unverified]; hashes and sizes declared by Hugging Face at download; licence: the repository\'s MIT tag; local-models.md §3.1, §3.3, §3.5',
    notes: 'The repository is tagged MIT, but Dreamshaper is a fine-tune of Stable Diffusion 1.5 (CreativeML OpenRAIL-M lineage, with use restrictions): review before commercial use.',
  },
  {
    id: 'sd-turbo',
    operation: 'generate',
    layout: 'folder',
    files: huggingFaceFolder('schmuell/sd-turbo-ort-web', SD_TURBO_ORT_WEB_REVISION, [...GENERATE_FILES, ...TOKENIZER_FILES, SCHEDULER_FILE]),
    license: 'Stability-AI-Non-Commercial (uncertain)',
    commercial: false,
    preset: 'sd-turbo',
    description: 'SD-Turbo (SD 2.1 distilled, fp16 weights, 512×512, 1–4 steps), the onnxruntime-web export, about 2.5 GB on disk; fastest on a GPU.',
    source: 'schmuell/sd-turbo-ort-web on Hugging Face, branch main (not pinned to a commit: none was found offline); hashes and sizes declared by Hugging Face at download; licence: the repository\'s stabilityai-non-comercial tag; local-models.md §3.1, §3.5',
    notes: 'Released under the Stability AI Non-Commercial Research Community License; upstream stabilityai/sd-turbo now points to the Stability AI Community License (commercial use under US$1M revenue), but this re-upload still carries the non-commercial tag. Treat as non-commercial until you have checked.',
  },
];

/** Every model the local backend knows, by id. */
/** The manifest by id: `MODELS['birefnet-general-lite']` is typed as present; any other string may be undefined. */
export const MODELS = Object.fromEntries(ALL_MODELS.map((spec) => [spec.id, spec])) as { readonly [Id in ModelId]: ModelSpec } & { readonly [id: string]: ModelSpec | undefined };

/**
 * The model used per operation when the caller names none. Permissively licensed models only
 * (local-models.md §0): BiRefNet-general-lite for backgrounds, GFPGAN 1.4 for faces. No local generate model
 * is a default: each is gigabytes (a policy spill must not start a 4 GB download unasked), `lcm-dreamshaper-v7`'s
 * lineage carries OpenRAIL-M use restrictions and `sd-turbo` is non-commercial (§3.1); name one in `models.generate`.
 */
export const DEFAULT_MODELS: { removeBackground: string; restoreFace?: string; generate?: string } = {
  removeBackground: 'birefnet-general-lite',
  restoreFace: 'gfpgan-1.4',
};
