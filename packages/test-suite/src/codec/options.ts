import type { Compressor, Serializer } from '@resultkit/core';

/** What `registerCodecSuite` tests: a serializer, a compressor, or both. */
export interface CodecSuiteOptions {
  /** Shown in the describe() title. */
  name: string;
  /** The serializer under test (a core `Serializer`). */
  serializer?: Serializer;
  /** The compressor under test (a core `Compressor`), exercised on raw bytes and through core's Codec. */
  compressor?: Compressor;
  /** Value kinds the format carries; one it cannot carry must be refused with EncodeError, never altered silently. */
  carries?: { bytes?: boolean; bigint?: boolean; dates?: boolean; loneSurrogates?: boolean };
  /**
   * Whether a truncated document can never read as the whole one. True by default; false for
   * formats where it can (in YAML, `key:` cut from `key: null` is still null).
   */
  truncationDetected?: boolean;
}

/** A value kind that not every format carries. */
export type CarriedKind = keyof NonNullable<CodecSuiteOptions['carries']>;
