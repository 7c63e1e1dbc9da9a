import { ContentDisallowedError, DecodeError, EncodeError, ResultkitError, ValueTooLargeError } from '../errors.js';
import { compressorPackageFor } from '../adapter-packages.js';
import type { Compressor } from './compressor.js';
import { isCompressedPayload, readCompressedPayload, writeCompressedPayload } from './frame.js';
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
  /** The compressor's level (its own scale); its default when absent. */
  compressionLevel?: number;
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
  readonly #level: number | undefined;

  constructor(options: CodecOptions) {
    this.registry = options.registry;
    this.serializer = options.registry.serializer(options.serializer);
    this.compressor = options.compression ? options.registry.compressor(options.compression) : null;
    this.accept = options.accept.map((a) => options.registry.contentTypeFor(a));
    this.#accepted = new Set(this.accept);
    this.#threshold = options.compressionThreshold ?? 0;
    this.#level = options.compressionLevel;
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
      bytes = writeCompressedPayload(this.compressor.contentType, this.#compress(this.compressor, bytes));
    }
    this.assertSize(bytes.length);
    return bytes;
  }

  /** Throws `ValueTooLargeError` when `size` bytes may not be stored. */
  assertSize(size: number): void {
    if (size > this.maxSize) throw new ValueTooLargeError(size, this.maxSize);
  }

  /**
   * Throws `DecodeError` when stored bytes are larger than `maxSize`: another writer may store
   * what this reader would refuse to write, and a reader that set a limit does not parse (and
   * hold in memory) a value beyond it.
   */
  assertReadableSize(size: number): void {
    if (size > this.maxSize) {
      throw new DecodeError(`The stored value is ${size} bytes, over this reader's maxValueSize of ${this.maxSize} bytes; it was not decoded.`);
    }
  }

  /**
   * Decodes stored bytes. `contentType` is what the store recorded (RPC messages do); Redis and
   * SQL record nothing, so it defaults to this codec's own serializer, as in Celery. A value in
   * Celery's compressed envelope is decompressed first, whatever this codec writes, so turning
   * compression on or off never makes stored results unreadable. `compression` is a compression
   * recorded outside the value (an AMQP `compression` header).
   */
  decode(data: Uint8Array, contentType: string = this.serializer.contentType, compression?: string | null): unknown {
    this.assertReadableSize(data.length);
    let payload = data;
    let method = compression ?? null;
    if (isCompressedPayload(data)) {
      ({ compression: method, body: payload } = readCompressedPayload(data));
    }
    const type = contentType.toLowerCase();
    if (!this.#accepted.has(type) && !ALWAYS_TRUSTED.has(type)) {
      throw new ContentDisallowedError(type, this.accept);
    }
    if (method) payload = this.#decompress(method, payload);
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

  /**
   * The serializer's bytes of a stored value: Celery's compressed envelope opened (bounded by
   * `maxSize`), or the bytes as they are. For readers that parse the bytes themselves.
   */
  payloadOf(data: Uint8Array): Uint8Array {
    this.assertReadableSize(data.length);
    if (!isCompressedPayload(data)) return data;
    const { compression, body } = readCompressedPayload(data);
    return this.#decompress(compression, body);
  }

  #compress(compressor: Compressor, bytes: Uint8Array): Uint8Array {
    try {
      return compressor.compress(bytes, this.#level === undefined ? undefined : { level: this.#level });
    } catch (error) {
      throw new EncodeError(`The value could not be compressed (${compressor.name}): ${messageOf(error)}`, { cause: error });
    }
  }

  #decompress(method: string, body: Uint8Array): Uint8Array {
    const compressor = this.registry.findCompressor(method);
    if (!compressor) {
      const packageName = compressorPackageFor(method);
      const fix = packageName
        ? `install ${packageName} to read it (createBackend registers it by itself)`
        : 'register its compressor (the "compressors" option) to read it';
      throw new DecodeError(`The value is compressed with ${method}, which is not registered; ${fix}.`);
    }
    let output: Uint8Array;
    try {
      output = compressor.decompress(body, { maxSize: this.maxSize });
    } catch (error) {
      if (error instanceof ValueTooLargeError) {
        throw new DecodeError(`The value decompresses (${method}) to more than the ${this.maxSize}-byte limit; it was not inflated further.`, { cause: error });
      }
      throw new DecodeError(`The value could not be decompressed (${method}): ${messageOf(error)}`, { cause: error });
    }
    // A compressor that ignores the bound is still held to it, if only after the fact.
    if (output.length > this.maxSize) {
      throw new DecodeError(`The value decompresses (${method}) to ${output.length} bytes, more than the ${this.maxSize}-byte limit.`);
    }
    return output;
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
