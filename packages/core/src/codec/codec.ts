import { ContentDisallowedError, DecodeError, EncodeError, ResultkitError, ValueTooLargeError } from '../errors.js';
import type { Compressor } from './compressor.js';
import { isFramed, readFrame, writeFrame } from './frame.js';
import type { CodecRegistry } from './registry.js';
import type { Serializer } from './serializer.js';

/** Celery's `_MAX_STR_VALUE_SIZE`: Redis refuses larger strings, so no backend stores more. */
export const MAX_VALUE_SIZE = 512 * 1024 * 1024;

// kombu always trusts raw bytes and raw text, whatever `accept` says.
const ALWAYS_TRUSTED = new Set(['application/data', 'application/text']);

export interface CodecOptions {
  registry: CodecRegistry;
  /** Serializer name or content type used to write. */
  serializer: string;
  /** Serializer names or content types a read may decode; anything else is refused. */
  accept: readonly string[];
  /** Compressor name or content type used to write; none by default (Celery never compresses). */
  compression?: string | null;
  /** Compress only encoded values at least this long (bytes). */
  compressionThreshold?: number;
  /** Largest encoded value accepted, in bytes. */
  maxSize?: number;
}

/**
 * The pipeline between a document and stored bytes: serializer, then optional compression
 * (framed), with the `accept` whitelist enforced on every decode. Adapters call it; they never
 * talk to serializers directly.
 */
export class Codec {
  readonly serializer: Serializer;
  readonly compressor: Compressor | null;
  readonly accept: readonly string[];
  readonly maxSize: number;
  readonly registry: CodecRegistry;
  readonly #accepted: ReadonlySet<string>;
  readonly #threshold: number;

  constructor(options: CodecOptions) {
    this.registry = options.registry;
    this.serializer = options.registry.serializer(options.serializer);
    this.compressor = options.compression ? options.registry.compressor(options.compression) : null;
    this.accept = options.accept.map((a) => options.registry.contentTypeFor(a));
    this.#accepted = new Set(this.accept);
    this.#threshold = options.compressionThreshold ?? 0;
    this.maxSize = options.maxSize ?? MAX_VALUE_SIZE;
  }

  /** The content type this codec writes. */
  get contentType(): string {
    return this.serializer.contentType;
  }

  get contentEncoding(): string {
    return this.serializer.contentEncoding;
  }

  /** Encodes a document; throws `ValueTooLargeError` before anything is sent. */
  encode(value: unknown): Uint8Array {
    let bytes: Uint8Array;
    // Compressed output may be far smaller than the serializer's, so only an uncompressed
    // value can be refused by the serializer while it is being written.
    const maxSize = this.compressor ? undefined : this.maxSize;
    try {
      bytes = this.serializer.encode(value, { maxSize });
    } catch (error) {
      if (error instanceof ResultkitError) throw error;
      throw new EncodeError(`The ${this.serializer.name} serializer cannot encode this value: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (this.compressor && bytes.length >= this.#threshold) {
      bytes = writeFrame(this.serializer.contentType, this.compressor.contentType, this.compressor.compress(bytes));
    }
    this.assertSize(bytes.length);
    return bytes;
  }

  /** Throws `ValueTooLargeError` when `size` bytes may not be stored. */
  assertSize(size: number): void {
    if (size > this.maxSize) throw new ValueTooLargeError(size, this.maxSize);
  }

  /**
   * Decodes stored bytes. `contentType` is what the store recorded (RPC messages do); Redis and
   * SQL record nothing, so it defaults to this codec's own serializer, as in Celery.
   */
  decode(data: Uint8Array, contentType: string = this.serializer.contentType, compression?: string | null): unknown {
    let payload = data;
    let type = contentType.toLowerCase();
    let method = compression ?? null;
    if (isFramed(data)) {
      const frame = readFrame(data);
      type = frame.contentType.toLowerCase();
      method = frame.compression;
      payload = frame.payload;
    }
    if (!this.#accepted.has(type) && !ALWAYS_TRUSTED.has(type)) {
      throw new ContentDisallowedError(type, this.accept);
    }
    if (method) {
      const compressor = this.registry.findCompressor(method);
      if (!compressor) {
        throw new DecodeError(`The value is compressed with ${method}, which is not registered; register its compressor (the "compressors" option) to read it.`);
      }
      try {
        payload = compressor.decompress(payload);
      } catch (error) {
        throw new DecodeError(`The value could not be decompressed (${method}): ${messageOf(error)}`, { cause: error });
      }
    }
    if (type === 'application/data') return payload;
    if (type === 'application/text') return decodeText(payload);
    const serializer = this.registry.findSerializer(type);
    if (!serializer) {
      throw new DecodeError(`No serializer is registered for content type ${type}; install and register it.`);
    }
    try {
      return serializer.decode(payload);
    } catch (error) {
      if (error instanceof ResultkitError) throw error;
      throw new DecodeError(`Stored bytes are not valid ${serializer.name}: ${messageOf(error)}`, { cause: error });
    }
  }
}

// Fatal: kombu decodes raw text with Python's strict 'utf-8' codec, and a replacement
// character would change the value without a word.
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function decodeText(payload: Uint8Array): string {
  try {
    return textDecoder.decode(payload);
  } catch (error) {
    throw new DecodeError(`The stored text is not valid UTF-8: ${messageOf(error)}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
