/**
 * Which package of this repository serves which URL scheme, serializer and compressor. Error
 * messages name only the packages listed here, and a test checks that every one of them is a
 * package of this repository, so no message tells a user to install a package that does not
 * exist.
 */

/** Schemes follow Celery's `result_backend` URLs; `db+<dialect>+<driver>` is matched on its dialect. */
const ADAPTER_PACKAGES: Readonly<Record<string, string>> = {
  redis: '@resultkit/backend-redis',
  rediss: '@resultkit/backend-redis',
  sentinel: '@resultkit/backend-redis',
  'redis+socket': '@resultkit/backend-redis',
  socket: '@resultkit/backend-redis',
  'db+postgresql': '@resultkit/backend-sql',
  'db+postgres': '@resultkit/backend-sql',
  'db+mysql': '@resultkit/backend-sql',
  'db+mariadb': '@resultkit/backend-sql',
  'db+sqlite': '@resultkit/backend-sql',
  file: '@resultkit/backend-fs',
  rpc: '@resultkit/backend-rpc',
};

/** Serializers by kombu's name; `json` is built in. */
const SERIALIZER_PACKAGES: Readonly<Record<string, string>> = {
  pickle: '@resultkit/serializer-pickle',
  msgpack: '@resultkit/serializer-msgpack',
  yaml: '@resultkit/serializer-yaml',
};

/**
 * Compressors by kombu's names and content type: a stored value names its compression by
 * content type (Celery's envelope), a configuration by name.
 */
const COMPRESSOR_PACKAGES: Readonly<Record<string, string>> = {
  gzip: '@resultkit/compress-gzip',
  zlib: '@resultkit/compress-gzip',
  'application/x-gzip': '@resultkit/compress-gzip',
  brotli: '@resultkit/compress-brotli',
  'application/x-brotli': '@resultkit/compress-brotli',
  zstd: '@resultkit/compress-zstd',
  zstandard: '@resultkit/compress-zstd',
  'application/zstd': '@resultkit/compress-zstd',
};

export type PackageKind = 'scheme' | 'serializer' | 'compressor';

/**
 * Names Celery and kombu use that resultkit means to serve but has no package for yet. Asking
 * for one is a ConfigurationError that says so, instead of an AdapterNotInstalledError naming
 * a package nobody can install; an unknown name is told only how to pass its codec.
 */
const NOT_AVAILABLE_YET: Readonly<Record<PackageKind, readonly string[]>> = {
  scheme: [],
  serializer: [],
  compressor: ['bzip2', 'bzip', 'lzma', 'xz'],
};

/** The adapter package for a scheme, or undefined when no package serves it. */
export function adapterPackageFor(scheme: string): string | undefined {
  const direct = ADAPTER_PACKAGES[scheme];
  if (direct) return direct;
  // db+postgresql+psycopg2 -> db+postgresql
  const dialect = /^(db\+[a-z0-9]+)\+/.exec(scheme)?.[1];
  return dialect ? ADAPTER_PACKAGES[dialect] : undefined;
}

/** The package of a named serializer, or undefined when no package provides it. */
export function serializerPackageFor(name: string): string | undefined {
  return SERIALIZER_PACKAGES[name.toLowerCase()];
}

/** The package of a named compressor, or undefined when no package provides it. */
export function compressorPackageFor(name: string): string | undefined {
  return COMPRESSOR_PACKAGES[name.toLowerCase()];
}

/** Whether a scheme, serializer or compressor is planned but has no package yet. */
export function isNotAvailableYet(kind: PackageKind, name: string): boolean {
  return NOT_AVAILABLE_YET[kind].includes(name.toLowerCase());
}

/** Every compressor package, each once: what a reader imports to read any compressed value. */
export function compressorPackages(): string[] {
  return [...new Set(Object.values(COMPRESSOR_PACKAGES))];
}

/** The schemes `createBackend` can open today (with their package installed). */
export function knownSchemes(): string[] {
  return ['memory', ...Object.keys(ADAPTER_PACKAGES)];
}

/** Every package an error message may name. */
export function namedPackages(): string[] {
  return [...new Set([ADAPTER_PACKAGES, SERIALIZER_PACKAGES, COMPRESSOR_PACKAGES].flatMap((table) => Object.values(table)))];
}
