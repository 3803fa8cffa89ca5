/**
 * A response whose whole body is already in memory, with fetch's `Response` interface. The Node transport hands
 * these to providers: reading one is a decode of bytes already there, with no stream, no `Headers` unless
 * `headers` is read, and no `Response` object unless `body`, `formData()` or `clone()` of a stream is asked for.
 * It keeps `Response`'s rules: a body reads once (`bodyUsed`), a null-body status has a null `body`.
 */
export class BufferedResponse {
  readonly ok: boolean;
  readonly type = 'basic' as const;
  #rawHeaders: readonly string[];
  #headers: Headers | undefined;
  #bytes: Uint8Array | null;
  #used = false;
  #stream: Response | undefined;

  /**
   * @param rawHeaders names and values, alternating (Node's `rawHeaders`)
   * @param bytes the body, or null for a status that has none
   */
  constructor(
    readonly status: number,
    readonly statusText: string,
    rawHeaders: readonly string[],
    bytes: Uint8Array | null,
    readonly url: string,
    readonly redirected: boolean,
  ) {
    this.ok = status >= 200 && status <= 299;
    this.#rawHeaders = rawHeaders;
    this.#bytes = bytes;
  }

  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = new Headers();
      const raw = this.#rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
      this.#headers = headers;
    }
    return this.#headers;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream?.bodyUsed ?? false);
  }

  /** The body as a stream, made on first use; reading it uses the body up like `text()` would. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bytes === null) return null;
    return this.#asResponse().body;
  }

  async text(): Promise<string> {
    return decoder.decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(decoder.decode(this.#take())) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** A copy: the bytes may share memory with the socket's buffers. */
  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(this.#take());
  }

  async blob(): Promise<Blob> {
    return new Blob([this.#take() as Uint8Array<ArrayBuffer>], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    this.#checkUnused();
    return this.#asResponse().formData();
  }

  clone(): BufferedResponse {
    this.#checkUnused();
    const copy = new BufferedResponse(this.status, this.statusText, this.#rawHeaders, this.#bytes, this.url, this.redirected);
    copy.#headers = this.#headers;
    return copy;
  }

  #take(): Uint8Array {
    this.#checkUnused();
    this.#used = true;
    return this.#bytes ?? EMPTY;
  }

  #checkUnused(): void {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
  }

  #asResponse(): Response {
    this.#stream ??= new Response(this.#bytes as Uint8Array<ArrayBuffer> | null, { status: this.status, statusText: this.statusText, headers: this.headers });
    return this.#stream;
  }
}

const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);
