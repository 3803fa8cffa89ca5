import { z } from 'zod';

/**
 * remove.bg-only options, passed per call as `providerOptions.removebg` (or under your provider's `id`).
 * Field names are remove.bg's own; any other field is sent as a form field as-is.
 * @see https://www.remove.bg/api#remove-background
 */
export interface RemoveBgProviderOptions {
  /** `preview` (up to 0.25 MP, 0.25 credit), `full` (up to 25 MP, 10 MP as PNG; 1 credit), `auto` (best your credits allow). @default the factory's `size`, 'full' */
  size?: 'preview' | 'full' | 'auto' | 'small' | 'regular' | 'medium' | 'hd' | '4k';
  /** Foreground kind. @default 'auto' */
  type?: 'auto' | 'person' | 'product' | 'car' | (string & {});
  /** Detail of the detected type reported in metadata (`X-Type`). @default '1' */
  type_level?: 'none' | '1' | '2' | 'latest';
  /** `alpha` returns only the mask. @default 'rgba' */
  channels?: 'rgba' | 'alpha';
  /** A solid background instead of transparency: hex (`81d4fa`, `fff8`) or a colour name. */
  bg_color?: string;
  /** A background image by URL. */
  bg_image_url?: string;
  /** Crop off empty regions. @default false */
  crop?: boolean;
  /** Margin around a cropped subject: `30px`, `10%`, or 2/4 values. @default '0' */
  crop_margin?: string;
  /** Subject size relative to the canvas, `10%`–`100%` or `original`. @default 'original' */
  scale?: string;
  /** `original`, `center`, or `0%`–`100%` (one or two values). @default 'original' */
  position?: string;
  /** Region of interest `x1 y1 x2 y2` in px or %. @default '0% 0% 100% 100%' */
  roi?: string;
  /** Keep semi-transparent regions (car windows). @default true */
  semitransparency?: boolean;
  /** Artificial shadow (cars). @default false */
  add_shadow?: boolean;
  /** @default 'latest' */
  shadow_method?: 'latest' | 'legacy';
}

export const SIZES = ['preview', 'full', 'auto', 'small', 'regular', 'medium', 'hd', '4k'] as const;

export const removeBgProviderOptionsSchema = z.object({
  size: z.enum(SIZES).optional(),
  type: z.string().min(1).optional(),
  type_level: z.union([z.enum(['none', '1', '2', 'latest']), z.literal(1), z.literal(2)]).optional(),
  channels: z.enum(['rgba', 'alpha']).optional(),
  bg_color: z.string().min(1).optional(),
  bg_image_url: z.url().optional(),
  crop: z.boolean().optional(),
  crop_margin: z.string().min(1).optional(),
  scale: z.string().min(1).optional(),
  position: z.string().min(1).optional(),
  roi: z.string().min(1).optional(),
  semitransparency: z.boolean().optional(),
  add_shadow: z.boolean().optional(),
  shadow_method: z.enum(['latest', 'legacy']).optional(),
});

/** Fields pixmux fills from the request (or cannot handle: `zip` results, file backgrounds); provider options cannot set them. */
export const RESERVED_FIELDS = ['image_file', 'image_file_b64', 'image_url', 'format', 'bg_image_file'] as const;
