import { resolve } from 'node:path';
import { ConfigurationError } from '@resultkit/core';

/**
 * The directory a `file://` URL names, read exactly as Celery's `FilesystemBackend._find_path`
 * reads it, so one URL string points a Python worker and this package at the same directory:
 *
 *   file:///var/results            /var/results
 *   file://localhost/var/results   /var/results (only `localhost` is dropped)
 *   file://results                 results, relative to the working directory
 *   file://host/results            host/results, relative too: Celery has no notion of a host
 *
 * Like Celery, nothing is percent-decoded and `?`/`#` are part of the path. On Windows the
 * leading `/` of `file:///C:/dir` is dropped, as Celery does.
 */
export function directoryOf(url: string, cwd: string = process.cwd(), platform: NodeJS.Platform = process.platform): string {
  let path: string;
  if (url.startsWith('file://localhost/')) path = url.slice('file://localhost'.length);
  else if (url.startsWith('file://')) path = url.slice('file://'.length);
  else throw new ConfigurationError(`A file-system backend URL looks like file:///path/to/dir; got ${url}.`);
  if (platform === 'win32' && path.startsWith('/')) path = path.slice(1);
  if (path === '') throw new ConfigurationError('The file-system backend needs a directory: file:///path/to/dir.');
  return resolve(cwd, path);
}
