// pixmux/ai-sdk: two-way interop with the Vercel AI SDK, built on pixmux's public surface. `ai` and
// `@ai-sdk/provider` are optional peers; this entry imports only their types, so it loads neither at run time.
export { fromAiSdk, type FromAiSdkOptions } from './from-ai-sdk.js';
export { toAiSdk, type ToAiSdkOptions, type ToAiSdkCallOptions } from './to-ai-sdk.js';
export { errorFromAiSdk } from './errors.js';
export { SUPPORTED_SPECIFICATION_VERSIONS, type AiSdkImageModel } from './spec.js';
