import { Buffer, isUtf8 } from 'node:buffer';
import { DecodeError, type Serializer } from '@resultkit/core';
import { dumpPyYaml } from './pyyaml-writer.js';
import { readPyYaml } from './yaml-reader.js';

/**
 * kombu's `yaml` serializer (`application/x-yaml`, utf-8): `yaml.safe_dump` to write and
 * `yaml.safe_load` to read. Safe YAML only: a tag that names Python code, or any tag PyYAML's
 * SafeLoader does not know, is a `DecodeError`.
 */
export function createYamlSerializer(): Serializer {
  return {
    name: 'yaml',
    contentType: 'application/x-yaml',
    contentEncoding: 'utf-8',
    encode: (value) => {
      // safe_dump's output is ASCII (allow_unicode=False), so one byte per character.
      const text = dumpPyYaml(value);
      return Buffer.from(text, 'latin1');
    },
    decode: (data) => {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      // kombu decodes the bytes as strict UTF-8 before safe_load; a replacement character
      // would change the value without a word.
      if (!isUtf8(bytes)) throw new DecodeError('The stored YAML is not valid UTF-8; nothing was decoded.');
      return readPyYaml(bytes.toString('utf8'));
    },
  };
}

/** The yaml serializer; `createBackend` registers it for `serializer: 'yaml'`. */
export const yaml: Serializer = createYamlSerializer();
