import type { AdapterContext, AdapterFactory } from '@resultkit/core';
import { canWatch, checkDirectory } from './connect.js';
import { FsAdapter } from './fs-adapter.js';
import { resolveFsOptions } from './options.js';
import { directoryOf } from './url.js';

/** Opens an `FsAdapter` for a `file://` URL (what `createBackend` calls), after checking the directory. */
export async function createFsAdapter(url: string, context: AdapterContext): Promise<FsAdapter> {
  const options = resolveFsOptions(context.options.fs);
  const directory = directoryOf(url);
  await checkDirectory(directory);
  return new FsAdapter({ directory, codec: context.codec, options, watchable: options.watch && canWatch(directory) });
}

/** What `createBackend` loads for `file://` URLs. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['file'],
  create: createFsAdapter,
};
