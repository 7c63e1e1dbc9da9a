import { DecodeError, type Serializer } from '@resultkit/core';

import { Budget } from './budget.js';
import { dumps, type DumpOptions } from './pickler.js';
import { treeSize } from './tree-size.js';
import { loads, type LoadOptions } from './unpickler.js';

export interface PickleSerializerOptions extends DumpOptions, LoadOptions {}

/**
 * A `Serializer` for kombu's `pickle` content type (`application/x-python-serialize`), with
 * the given writer and reader options. Reading stays data-only whatever the options say.
 *
 * Unlike `loads`, it also refuses a result that is far larger as a tree than as a pickle
 * (references shared thousands of times, or cycles). The rest of resultkit treats a result
 * document as a tree: it formats exception arguments and JSON-encodes documents. A pickle of a
 * few hundred bytes could otherwise keep it busy for minutes.
 */
export function createPickleSerializer(options: PickleSerializerOptions = {}): Serializer & { decodeExact(data: Uint8Array): unknown } {
  const dumpOptions: DumpOptions = {
    protocol: options.protocol ?? 4,
    style: options.style ?? 'python',
    arraysAsTuples: options.arraysAsTuples ?? false,
  };
  const loadOptions: LoadOptions = { strict: options.strict ?? true, isException: options.isException };
  const exactOptions: LoadOptions = { ...loadOptions, exact: true };
  const checked = (data: Uint8Array, value: unknown): unknown => {
    const limit = Budget.forInput(data.length);
    if (treeSize(value, limit) > limit) {
      throw new DecodeError(
        'Refusing the pickled result: it shares references so heavily (or cyclically) that as a document it would be ' +
          `larger than ${limit} units. Use loads() from @resultkit/serializer-pickle to read it as a graph.`,
      );
    }
    return value;
  };
  return {
    name: 'pickle',
    contentType: 'application/x-python-serialize',
    contentEncoding: 'binary',
    encode: (value) => dumps(value, dumpOptions),
    decode: (data) => checked(data, loads(data, loadOptions)),
    /** As `decode`, keeping tuples, integral floats and exact datetimes (`LoadOptions.exact`): what migration reads. */
    decodeExact: (data) => checked(data, loads(data, exactOptions)),
  };
}

/**
 * kombu's pickle serializer with its defaults: protocol 4 (kombu's `PICKLE_PROTOCOL`),
 * CPython's exact bytes, strict reading (a global outside the allow-list is a `DecodeError`).
 */
export const pickle: Serializer = createPickleSerializer();
