import { compressorPackageFor, serializerPackageFor } from '../adapter-packages.js';
import { ConfigurationError } from '../errors.js';
import type { Compressor } from './compressor.js';
import type { Serializer } from './serializer.js';

// kombu's names for its serializers, so `accept: ['msgpack']` means the same thing here
// whether or not the msgpack package is installed.
const KOMBU_CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  msgpack: 'application/x-msgpack',
  yaml: 'application/x-yaml',
  pickle: 'application/x-python-serialize',
};

/**
 * Serializers and compressors by name, alias and content type. Packages such as
 * `@resultkit/serializer-pickle` export their codec; `createBackend` registers it on the
 * backend's registry (importing the package by name when it is not registered yet).
 */
export class CodecRegistry {
  readonly #serializers = new Map<string, Serializer>();
  readonly #compressors = new Map<string, Compressor>();

  constructor(init?: { serializers?: readonly Serializer[]; compressors?: readonly Compressor[] }) {
    for (const s of init?.serializers ?? []) this.registerSerializer(s);
    for (const c of init?.compressors ?? []) this.registerCompressor(c);
  }

  registerSerializer(serializer: Serializer): this {
    for (const key of [serializer.name, serializer.contentType, ...(serializer.aliases ?? [])]) {
      this.#serializers.set(key.toLowerCase(), serializer);
    }
    return this;
  }

  registerCompressor(compressor: Compressor): this {
    for (const key of [compressor.name, compressor.contentType, ...(compressor.aliases ?? [])]) {
      this.#compressors.set(key.toLowerCase(), compressor);
    }
    return this;
  }

  /** A serializer by name, alias or content type, or undefined. */
  findSerializer(nameOrContentType: string): Serializer | undefined {
    return this.#serializers.get(nameOrContentType.toLowerCase());
  }

  findCompressor(nameOrContentType: string): Compressor | undefined {
    return this.#compressors.get(nameOrContentType.toLowerCase());
  }

  serializer(nameOrContentType: string): Serializer {
    const found = this.findSerializer(nameOrContentType);
    if (!found) {
      throw new ConfigurationError(
        `Unknown serializer "${nameOrContentType}". ${installHint('serializer', nameOrContentType, 'serializers')}`,
      );
    }
    return found;
  }

  compressor(nameOrContentType: string): Compressor {
    const found = this.findCompressor(nameOrContentType);
    if (!found) {
      throw new ConfigurationError(
        `Unknown compression "${nameOrContentType}". ${installHint('compressor', nameOrContentType, 'compressors')}`,
      );
    }
    return found;
  }

  /**
   * The content type for an `accept` entry: a registered name or alias maps to its serializer's
   * content type; anything containing a `/` is taken as a content type already (kombu does the same).
   */
  contentTypeFor(nameOrContentType: string): string {
    const found = this.findSerializer(nameOrContentType);
    if (found) return found.contentType;
    const known = KOMBU_CONTENT_TYPES[nameOrContentType.toLowerCase()];
    if (known) return known;
    if (nameOrContentType.includes('/')) return nameOrContentType.toLowerCase();
    throw new ConfigurationError(`Unknown serializer "${nameOrContentType}" in accept.`);
  }
}

// Names a package only when one exists: no message sends a user to install something that does not.
function installHint(kind: 'serializer' | 'compressor', name: string, option: string): string {
  const packageName = kind === 'serializer' ? serializerPackageFor(name) : compressorPackageFor(name);
  return packageName ? `Install ${packageName} (createBackend registers it), or pass it in "${option}".` : `Pass its codec in "${option}".`;
}
