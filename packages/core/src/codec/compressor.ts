/**
 * Compresses encoded bytes, as one of kombu's compression methods (`kombu.compression`). A
 * compressed result is stored in Celery's in-band envelope (see `frame.ts`), so every reader
 * knows how to undo it whatever its own configuration says.
 */
export interface Compressor {
  /** The name used in options, as in kombu: `gzip`, `bzip2`, `lzma`, `brotli`, `zstd`. */
  readonly name: string;
  /** Other names kombu accepts for the same method (`zlib` for `gzip`, `xz` for `lzma`). */
  readonly aliases?: readonly string[];
  /** kombu's content type for the method, e.g. `application/x-gzip` (which is a zlib stream). */
  readonly contentType: string;
  compress(data: Uint8Array, options?: CompressOptions): Uint8Array;
  /**
   * Must stop, throwing, as soon as the output would pass `options.maxSize` bytes: a small
   * stored value can inflate to gigabytes, and it is never inflated to the end to find out.
   * Throw `ValueTooLargeError` for that case; anything else thrown becomes a `DecodeError`.
   */
  decompress(data: Uint8Array, options?: DecompressOptions): Uint8Array;
}

export interface CompressOptions {
  /** The method's own level scale (zlib 0-9, brotli 0-11, zstd 1-22); the compressor's default when absent. */
  level?: number;
}

export interface DecompressOptions {
  /** The most bytes the output may have. */
  maxSize?: number;
}
