import { randomUUID } from 'node:crypto';
import { watch } from 'node:fs';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '@resultkit/core';

/**
 * Checks the directory the way Celery's `_do_directory_test` does: it must exist, and a file
 * written into it must read back and be deletable. Anything else is a `ConfigurationError`
 * naming the resolved path, with the file-system error as its cause.
 */
export async function checkDirectory(directory: string): Promise<void> {
  try {
    if (!(await stat(directory)).isDirectory()) {
      throw new ConfigurationError(`The file-system backend's path ${directory} is not a directory.`);
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(`The file-system backend's directory ${directory} does not exist or cannot be read; create it first.`, { cause: error });
  }
  const probe = join(directory, `.fs-backend-${randomUUID()}`);
  try {
    await writeFile(probe, 'test value');
    if ((await readFile(probe, 'utf8')) !== 'test value') throw new Error('the probe file read back differently');
    await unlink(probe);
  } catch (error) {
    await unlink(probe).catch(() => {});
    throw new ConfigurationError(`The file-system backend's directory ${directory} is not writable: check its permissions.`, { cause: error });
  }
}

/** Whether `directory` can be watched here (inotify on Linux, FSEvents, ReadDirectoryChangesW). */
export function canWatch(directory: string): boolean {
  try {
    watch(directory, { persistent: false }).close();
    return true;
  } catch {
    return false;
  }
}
