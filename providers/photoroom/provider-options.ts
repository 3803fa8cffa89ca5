import { z } from 'zod';

/**
 * Photoroom-only options, passed per call as `providerOptions.photoroom` (or under your provider's `id`).
 * Field names are Photoroom's own; any other field is sent as a form field as-is.
 * @see https://docs.photoroom.com/remove-background-api-basic-plan
 */
export interface PhotoroomProviderOptions {
  /** `alpha` returns only the mask. @default 'rgba' */
  channels?: 'rgba' | 'alpha';
  /** A solid background instead of transparency: hex (`FF00FF`, `#FF00FF`) or a colour name. @default transparent */
  bg_color?: string;
  /** Output resolution: `preview` (0.25 MP), `medium` (1.5 MP), `hd` (4 MP) or `full` (up to 36 MP). @default 'full' */
  size?: 'preview' | 'medium' | 'hd' | 'full';
  /** Crop to the subject's bounds. @default false */
  crop?: boolean;
  /** Remove the green-screen cast from the subject's edges. @default false */
  despill?: boolean;
}

export const SIZES = ['preview', 'medium', 'hd', 'full'] as const;

export const photoroomProviderOptionsSchema = z.object({
  channels: z.enum(['rgba', 'alpha']).optional(),
  bg_color: z.string().min(1).optional(),
  size: z.enum(SIZES).optional(),
  crop: z.boolean().optional(),
  despill: z.boolean().optional(),
});

/** Fields pixmux fills from the request; provider options cannot set them. */
export const RESERVED_FIELDS = ['image_file', 'format'] as const;
