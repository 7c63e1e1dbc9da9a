import type { Serializer } from '@resultkit/core';

import { dumps, type DumpOptions } from './pickler.js';
import { loads, type LoadOptions } from './unpickler.js';

export interface PickleSerializerOptions extends DumpOptions, LoadOptions {}

/**
 * A `Serializer` for kombu's `pickle` content type (`application/x-python-serialize`), with
 * the given writer and reader options. Reading stays data-only whatever the options say.
 */
export function createPickleSerializer(options: PickleSerializerOptions = {}): Serializer {
  const dumpOptions: DumpOptions = {
    protocol: options.protocol ?? 4,
    style: options.style ?? 'python',
    arraysAsTuples: options.arraysAsTuples ?? false,
  };
  const loadOptions: LoadOptions = { strict: options.strict ?? false, isException: options.isException };
  return {
    name: 'pickle',
    contentType: 'application/x-python-serialize',
    contentEncoding: 'binary',
    encode: (value) => dumps(value, dumpOptions),
    decode: (data) => loads(data, loadOptions),
  };
}

/**
 * kombu's pickle serializer with its defaults: protocol 4 (kombu's `PICKLE_PROTOCOL`),
 * CPython's exact bytes, inert `PickledObject`s for globals outside the allow-list.
 */
export const pickle: Serializer = createPickleSerializer();
