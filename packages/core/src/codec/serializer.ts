/**
 * Turns a result document into bytes and back. Synchronous on purpose: serializing is CPU work
 * on the hot path of every store and read, and a promise per value costs more than it saves.
 */
export interface Serializer {
  /** The name used in options and Celery configuration: `json`, `msgpack`, `yaml`, `pickle`. */
  readonly name: string;
  /** Other names kombu accepts for the same format. */
  readonly aliases?: readonly string[];
  /** The MIME type kombu records for this format, e.g. `application/json`. */
  readonly contentType: string;
  /** kombu's content encoding: `utf-8` for text formats, `binary` otherwise. */
  readonly contentEncoding: 'utf-8' | 'binary';
  /**
   * `options.maxSize`, when given, is the most bytes the codec will store: a serializer may
   * throw `ValueTooLargeError` as soon as it knows its output will not fit, instead of finishing
   * work that is thrown away. Ignoring it is correct too: the codec checks the size afterwards.
   */
  encode(value: unknown, options?: EncodeOptions): Uint8Array;
  /** Throws on malformed input; the codec wraps whatever it throws in a `DecodeError`. */
  decode(data: Uint8Array): unknown;
}

/** What the codec tells a serializer about the value it is about to encode. */
export interface EncodeOptions {
  /** The largest output, in bytes, that will be accepted. */
  maxSize?: number;
}
