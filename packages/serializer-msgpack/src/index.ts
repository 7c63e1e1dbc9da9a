export { msgpack, createMsgpackSerializer } from './msgpack-serializer.js';
export { readKombuMsgpack } from './msgpack-reader.js';
export { checkKombuMsgpack, type CheckResult } from './kombu-check.js';

/** The name `createBackend` looks for when it loads `@resultkit/serializer-msgpack` by itself. */
export { msgpack as serializer } from './msgpack-serializer.js';
