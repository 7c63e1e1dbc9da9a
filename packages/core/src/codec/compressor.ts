/**
 * Compresses encoded bytes. Celery never compresses results, so compression is opt-in and a
 * compressed value is framed (see `frame.ts`) so every reader knows how to undo it.
 */
export interface Compressor {
  /** The name used in options: `gzip`, `brotli`, `zstd`. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** kombu's content type for the method, e.g. `application/x-gzip` (a zlib stream). */
  readonly contentType: string;
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}
