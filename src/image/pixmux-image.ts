import { bytesToBase64, toDataUrl } from './base64.js';

/** An image pixmux hands back: the bytes, their media type and size, and ways to encode them. */
export class PixmuxImage {
  constructor(
    /** The encoded image. */
    readonly bytes: Uint8Array,
    /** `image/png`, `image/jpeg`, `image/webp`, … */
    readonly mediaType: string,
    readonly width: number,
    readonly height: number,
  ) {}

  /** The bytes as standard base64. */
  base64(): string {
    return bytesToBase64(this.bytes);
  }

  /** A `data:` URL, ready for an `<img src>`. */
  dataUrl(): string {
    return toDataUrl(this);
  }

  /** Keeps logs and JSON small: the bytes are summarised, not dumped. */
  toJSON() {
    return { mediaType: this.mediaType, width: this.width, height: this.height, byteLength: this.bytes.byteLength };
  }
}
