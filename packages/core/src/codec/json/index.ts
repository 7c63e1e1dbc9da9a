export { parseJson, type ParseJsonOptions } from './json-reader.js';
export { stringifyPython, encodePythonJson, type StringifyPythonOptions, type EncodePythonJsonOptions } from './python-json-writer.js';
export { PyFloat, formatPythonFloat } from './python-float.js';
export {
  encodeKombuType,
  decodeKombuEnvelope,
  reviveKombuTypes,
  type KombuDialect,
  type KombuEnvelope,
} from './kombu-types.js';
export { createJsonSerializer, json, type JsonSerializerOptions } from './json-serializer.js';
