// Types only: the AI SDK's image model contract, read from `@ai-sdk/provider`. Nothing here is loaded at run time.
import type { ImageModelV2, ImageModelV3, ImageModelV4, ImageModelV2CallWarning, SharedV4Warning } from '@ai-sdk/provider';

/** The image model specification versions `fromAiSdk` accepts: v4 (ai@7), v3 (ai@6) and v2 (ai@5). */
export const SUPPORTED_SPECIFICATION_VERSIONS = ['v4', 'v3', 'v2'] as const;

/** An AI SDK image model of any supported specification version. */
export type AiSdkImageModel = ImageModelV4 | ImageModelV3 | ImageModelV2;

/** A warning as any supported version reports it (v3's shape is v4's). */
export type AiSdkWarning = SharedV4Warning | ImageModelV2CallWarning;

export type { ImageModelV4 };
