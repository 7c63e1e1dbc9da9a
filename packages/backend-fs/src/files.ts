import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BackendUnavailableError } from '@resultkit/core';

/**
 * A file's bytes, or null when there is none. An empty file is null too: Celery reads it as
 * PENDING (`if not meta`), and it is what a Celery worker's non-atomic write shows for a moment.
 */
export async function readIfExists(file: string): Promise<Uint8Array | null> {
  try {
    const bytes = await readFile(file);
    return bytes.length ? bytes : null;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return null;
    throw unavailable(`read ${file}`, error);
  }
}

/**
 * Replaces `file` with `bytes` atomically: they are written to a temporary file in the same
 * directory (flushed to disk when `fsync`), which is then renamed over `file`. A reader sees the
 * old file or the new one, never a part. Temporary names start with a dot, which Celery's
 * cleanup and our watch ignore.
 */
export async function writeAtomic(file: string, bytes: Uint8Array, fsync: boolean): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw unavailable(`write ${file}`, error);
  }
}

/** Deletes `file`; true when it existed. */
export async function removeIfExists(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false;
    throw unavailable(`delete ${file}`, error);
  }
}

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, ...), if any. */
export function codeOf(error: unknown): string | undefined {
  return (error as { code?: unknown } | null)?.code as string | undefined;
}

/** A file-system failure as core's typed error, the original attached. */
export function unavailable(what: string, error: unknown): BackendUnavailableError {
  if (error instanceof BackendUnavailableError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new BackendUnavailableError(`The file-system backend could not ${what}: ${reason}`, { cause: error });
}

// Out of file descriptors or a busy file: worth another try under core's retry policy.
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR']);

export function isTransient(error: unknown): boolean {
  const code = codeOf(error instanceof BackendUnavailableError ? error.cause : error);
  return code !== undefined && TRANSIENT.has(code);
}
