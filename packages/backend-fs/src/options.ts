import { ConfigurationError } from '@resultkit/core';

/** Options of the file-system backend, passed as `createBackend('file:///dir', { fs: { ... } })`. */
export interface FsBackendOptions {
  /**
   * Flush every file to disk before it is renamed into place (default true), so that after a
   * crash a result is either the old file or the whole new one. `false` is faster and still
   * never shows a reader a partial file while the machine stays up.
   */
  fsync?: boolean;
  /**
   * Wait for results with a directory watch (inotify on Linux) where the platform offers one
   * (default true). `false`, or a platform without a watch, makes waits poll.
   */
  watch?: boolean;
  /**
   * Milliseconds after which a writer's lock file counts as abandoned by a crashed process and
   * is taken over (default 30,000). Must exceed the longest store (writing and flushing the largest value).
   */
  staleLockTimeout?: number;
}

export type ResolvedFsOptions = Required<FsBackendOptions>;

declare module '@resultkit/core' {
  interface AdapterOptions {
    /** Options of `@resultkit/backend-fs` (`file:///dir`). */
    fs?: FsBackendOptions;
  }
}

/** The options with their defaults; a bad value is a `ConfigurationError`. */
export function resolveFsOptions(options: FsBackendOptions = {}): ResolvedFsOptions {
  const resolved: ResolvedFsOptions = { fsync: true, watch: true, staleLockTimeout: 30_000, ...options };
  if (!Number.isFinite(resolved.staleLockTimeout) || resolved.staleLockTimeout <= 0) {
    throw new ConfigurationError(`fs.staleLockTimeout must be a positive number of milliseconds, got ${String(resolved.staleLockTimeout)}.`);
  }
  return resolved;
}
