import type { BackendAdapter } from './adapter/contract.js';
import type { Codec } from './codec/codec.js';
import type { CodecRegistry } from './codec/registry.js';
import type { Compressor } from './codec/compressor.js';
import type { Serializer } from './codec/serializer.js';
import { ConfigurationError } from './errors.js';
import type { RetryPolicy } from './retry.js';

/** How long an operation waits for a connection to the backend by default: 5 seconds. */
export const DEFAULT_CONNECT_TIMEOUT = 5_000;

/**
 * Options of adapter packages. Each adapter package adds its own keys by declaration merging
 * (`declare module '@resultkit/core' { interface AdapterOptions { keyPrefix?: string } }`), so
 * `createBackend(url, options)` type-checks the options of the packages you installed.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AdapterOptions {}

/**
 * Options of `createBackend`; the names follow Celery's settings. This file also holds what an
 * adapter factory receives (`AdapterContext`) and is (`AdapterFactory`), so the adapter contract
 * (`adapter/contract.ts`) never needs the options and the two do not import each other.
 */
export interface BackendOptions extends AdapterOptions {
  /** Serializer for stored documents (`result_serializer`); must match the Celery side. Default `json`. */
  serializer?: string;
  /**
   * Serializers a read may decode (`result_accept_content`); default `['json']`, as Celery's
   * `accept_content`. Must include `serializer`, or `createBackend` throws `ConfigurationError`.
   */
  accept?: readonly string[];
  /** Seconds a result lives (`result_expires`); null keeps results forever. Default 86,400. */
  expires?: number | null;
  /** Store name, args, kwargs, worker, retries and queue (`result_extended`). Default false. */
  extended?: boolean;
  /**
   * Compress stored values (`result_compression`: `gzip`, `brotli`, ...), in Celery's in-band
   * envelope, read by Celery releases that include celery/celery#10504 (not by 5.2-5.5). Only
   * backends that keep bytes unchanged support it (Redis, file). Default none.
   */
  compression?: string | null;
  /** Compress only values at least this many bytes long; smaller ones are stored plain. Default 0 (all, as Celery). */
  compressionThreshold?: number;
  /** The compressor's level, on its own scale (gzip 0-9, brotli 0-11). Default: the compressor's. */
  compressionLevel?: number;
  /**
   * The JSON dialect written: `kombu5.2` (plain strings for dates, what Celery 5.2 writes and
   * every version reads) or `kombu5.3` (`__type__` envelopes, read only by Celery 5.3+). Both
   * are always read. Default `kombu5.2`.
   */
  jsonDialect?: 'kombu5.2' | 'kombu5.3';
  /** Extra serializers to register (third-party formats). */
  serializers?: readonly Serializer[];
  /** Extra compressors to register. */
  compressors?: readonly Compressor[];
  /** Use this registry instead of a fresh one. */
  registry?: CodecRegistry;
  /** Retries on connection errors, for stores and reads; false disables them. */
  retry?: RetryPolicy | false;
  /**
   * Milliseconds an operation waits for a working connection (made, authenticated, database
   * selected) before it fails with `BackendUnavailableError`. Also the driver's own connect
   * timeout. Default 5,000. A backend's own settings (Redis `socket_connect_timeout`, a SQL
   * URL's `connect_timeout`) take precedence.
   */
  connectTimeout?: number;
  /** Largest encoded value in bytes (default and maximum 512 MiB, as in Celery). */
  maxValueSize?: number;
  /** Use this adapter instead of importing the package the URL scheme names. */
  adapter?: AdapterFactory;
}

/** `connectTimeout` validated, or the default: what adapters read from their context's options. */
export function resolveConnectTimeout(options: Readonly<BackendOptions>): number {
  const value = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`connectTimeout must be a positive number of milliseconds, got ${String(value)}.`);
  }
  return value;
}

/** Options every adapter receives, already resolved by core. */
export interface AdapterContext {
  codec: Codec;
  /** Seconds results live; null keeps them forever. */
  expires: number | null;
  /** Everything the user passed to `createBackend`, including the adapter's own options. */
  options: Readonly<BackendOptions>;
}

/** What an adapter package exports as `resultkitAdapter`, for `createBackend` to load it by URL. */
export interface AdapterFactory {
  readonly specificationVersion: 'v1';
  /** URL schemes this package handles, without `://`: `redis`, `rediss`, `sentinel`. */
  readonly schemes: readonly string[];
  create(url: string, context: AdapterContext): BackendAdapter | Promise<BackendAdapter>;
}
