export { yaml, createYamlSerializer } from './yaml-serializer.js';
export { dumpPyYaml } from './pyyaml-writer.js';
export { readPyYaml } from './yaml-reader.js';

/** The name `createBackend` looks for when it loads `@resultkit/serializer-yaml` by itself. */
export { yaml as serializer } from './yaml-serializer.js';
