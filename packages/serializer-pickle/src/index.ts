export { pickle, createPickleSerializer, type PickleSerializerOptions } from './pickle-serializer.js';
export { loads, type LoadOptions } from './unpickler.js';
export { dumps, type DumpOptions } from './pickler.js';
export {
  PickledAsyncResult,
  PickledGlobal,
  PickledGroupResult,
  PickledObject,
  PyTimedelta,
  type PickledResult,
} from './values.js';

/** The name `createBackend` looks for when it loads `@resultkit/serializer-pickle` by itself. */
export { pickle as serializer } from './pickle-serializer.js';
