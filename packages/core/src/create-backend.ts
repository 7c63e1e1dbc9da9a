import {
  adapterPackageFor,
  compressorPackageFor,
  compressorPackages,
  isNotAvailableYet,
  knownSchemes,
  type PackageKind,
  serializerPackageFor,
} from './adapter-packages.js';
import type { AdapterFactory, BackendOptions } from './backend-options.js';
import { Codec, MAX_VALUE_SIZE } from './codec/codec.js';
import type { Compressor } from './codec/compressor.js';
import { createJsonSerializer } from './codec/json/index.js';
import { CodecRegistry } from './codec/registry.js';
import type { Serializer } from './codec/serializer.js';
import { AdapterNotInstalledError, ConfigurationError } from './errors.js';
import { memoryAdapter } from './memory/memory-adapter.js';
import { importOptional } from './plumbing/optional-import.js';
import { ResultBackend } from './result-backend.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import { redactUrl, schemeOf } from './url.js';

/**
 * What a read may decode when `accept` is not given: JSON only, as Celery's `accept_content`.
 * Pickle, msgpack and YAML are read only where the user says they trust every writer.
 */
export const DEFAULT_ACCEPT: readonly string[] = Object.freeze(['json']);

/** Celery's default `result_expires`: one day. */
export const DEFAULT_EXPIRES = 86_400;

/**
 * Opens the result backend a URL names (`memory://`, `redis://`, `db+postgresql://`, ...).
 * The adapter package is imported only now, so a project installs only the backend it uses; a
 * missing package is an `AdapterNotInstalledError` naming it. Named serializers that are not
 * registered yet are imported the same way (`pickle` from `@resultkit/serializer-pickle`).
 */
export async function createBackend(url: string, options: BackendOptions = {}): Promise<ResultBackend> {
  const scheme = schemeOf(url);
  const factory = options.adapter ?? (await loadAdapter(scheme));
  if (!factory.schemes.includes(scheme) && !factory.schemes.some((s) => scheme.startsWith(`${s}+`))) {
    throw new ConfigurationError(`The adapter given handles ${factory.schemes.join(', ')}, not ${scheme}: ${redactUrl(url)}`);
  }
  const codec = await createCodec(options);
  const expires = resolveExpires(options.expires);
  const adapter = await factory.create(url, { codec, expires, options });
  if (codec.compressor && !adapter.capabilities.compression) {
    await adapter.close();
    // Celery ignores result_compression for these backends (with a warning); storing plain
    // values while the configuration says otherwise would be a surprise, so say it instead.
    throw new ConfigurationError(
      `The ${adapter.name} backend does not store compressed results (Celery's does not either); remove the "compression" option.`,
    );
  }
  return new ResultBackend(adapter, codec, {
    expires,
    extended: options.extended ?? false,
    retry: options.retry === false ? { ...DEFAULT_RETRY_POLICY, maxRetries: 0 } : { ...DEFAULT_RETRY_POLICY, ...options.retry },
  });
}

/** Builds the codec `createBackend` would, loading named serializer and compressor packages. */
export async function createCodec(options: BackendOptions = {}): Promise<Codec> {
  const registry = options.registry ?? new CodecRegistry();
  if (!registry.findSerializer('json') || options.jsonDialect) {
    registry.registerSerializer(createJsonSerializer({ dialect: options.jsonDialect ?? 'kombu5.2' }));
  }
  for (const s of options.serializers ?? []) registry.registerSerializer(s);
  for (const c of options.compressors ?? []) registry.registerCompressor(c);

  const serializer = options.serializer ?? 'json';
  if (!registry.findSerializer(serializer)) registry.registerSerializer(await loadSerializer(serializer, true));
  const accept = options.accept ?? DEFAULT_ACCEPT;
  for (const name of accept) {
    if (!name.includes('/') && !registry.findSerializer(name)) {
      // A format the reader accepts but whose package is missing is only an error once a value
      // in that format is read, and the DecodeError then names the package.
      const loaded = await loadSerializer(name, false);
      if (loaded) registry.registerSerializer(loaded);
    }
  }
  if (options.compression && !registry.findCompressor(options.compression)) {
    registry.registerCompressor(await loadCompressor(options.compression));
  }
  // A value says in band how it was compressed, and a reader configured without compression
  // must still read it (as Celery's does): every compressor package that is installed is
  // registered, and a value in a method whose package is missing names that package.
  await registerInstalledCompressors(registry);
  assertSerializerAccepted(registry, serializer, accept);
  const maxSize = options.maxValueSize ?? MAX_VALUE_SIZE;
  if (!(maxSize > 0) || maxSize > MAX_VALUE_SIZE) {
    throw new ConfigurationError(`maxValueSize must be between 1 and ${MAX_VALUE_SIZE} bytes.`);
  }
  return new Codec({
    registry,
    serializer,
    accept,
    compression: options.compression ?? null,
    compressionThreshold: validThreshold(options.compressionThreshold),
    ...(options.compressionLevel === undefined ? {} : { compressionLevel: options.compressionLevel }),
    maxSize,
  });
}

// A backend reads back what it writes (a result, a group, a chord's counter), so one that may not
// decode its own serializer fails at its first read; saying so at creation keeps the mistake
// out of production. Celery builds such an app without complaint and then raises
// ContentDisallowed, which is the surprise this avoids.
function assertSerializerAccepted(registry: CodecRegistry, serializer: string, accept: readonly string[]): void {
  const written = registry.contentTypeFor(serializer);
  if (accept.some((name) => registry.contentTypeFor(name) === written)) return;
  const given = accept === DEFAULT_ACCEPT ? 'the default accept [json]' : `accept [${accept.join(', ')}]`;
  throw new ConfigurationError(
    `The "${serializer}" serializer writes values that ${given} refuses to read back. ` +
      `Add it, e.g. accept: ['${serializer}'] (Celery's result_accept_content), if you trust every writer of this backend.`,
  );
}

function validThreshold(threshold: number | undefined): number {
  if (threshold === undefined) return 0;
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new ConfigurationError(`compressionThreshold must be a whole number of bytes (0 or more), got ${String(threshold)}.`);
  }
  return threshold;
}

async function registerInstalledCompressors(registry: CodecRegistry): Promise<void> {
  await Promise.all(
    compressorPackages().map(async (packageName) => {
      const mod = (await importOptional(packageName)) as { compressor?: Compressor } | null;
      if (mod?.compressor && !registry.findCompressor(mod.compressor.contentType)) registry.registerCompressor(mod.compressor);
    }),
  );
}

function resolveExpires(expires: number | null | undefined): number | null {
  if (expires === undefined) return DEFAULT_EXPIRES;
  if (expires === null || expires === 0) return null;
  if (!Number.isFinite(expires) || expires < 0) throw new ConfigurationError('expires must be a positive number of seconds or null.');
  return expires;
}

/**
 * The adapter factory for a URL scheme, imported from `packageName` (by default the package that
 * serves the scheme). A package that is not installed is an `AdapterNotInstalledError`.
 */
export async function loadAdapter(scheme: string, packageName = adapterPackageFor(scheme)): Promise<AdapterFactory> {
  if (scheme === 'memory') return memoryAdapter;
  if (!packageName) {
    const known = `Available schemes: ${knownSchemes().join(', ')}.`;
    if (isNotAvailableYet('scheme', scheme)) {
      throw new ConfigurationError(`The "${scheme}://" result backend is not available yet; pass an adapter of your own in "adapter". ${known}`);
    }
    throw new ConfigurationError(`No result backend handles "${scheme}://". ${known}`);
  }
  const mod = (await importOptional(packageName)) as { resultkitAdapter?: AdapterFactory } | null;
  if (!mod) throw new AdapterNotInstalledError(scheme, packageName);
  if (!mod.resultkitAdapter || mod.resultkitAdapter.specificationVersion !== 'v1') {
    throw new ConfigurationError(`${packageName} does not export a v1 "resultkitAdapter"; upgrade it to match @resultkit/core.`);
  }
  return mod.resultkitAdapter;
}

async function loadSerializer(name: string, required: true): Promise<Serializer>;
async function loadSerializer(name: string, required: false): Promise<Serializer | null>;
async function loadSerializer(name: string, required: boolean): Promise<Serializer | null> {
  const packageName = serializerPackageFor(name);
  const mod = packageName ? ((await importOptional(packageName)) as { serializer?: Serializer } | null) : null;
  if (mod?.serializer) return mod.serializer;
  if (!required) return null;
  throw new ConfigurationError(missingCodecMessage('serializer', name, packageName));
}

async function loadCompressor(name: string): Promise<Compressor> {
  const packageName = compressorPackageFor(name);
  const mod = packageName ? ((await importOptional(packageName)) as { compressor?: Compressor } | null) : null;
  if (mod?.compressor) return mod.compressor;
  throw new ConfigurationError(missingCodecMessage('compressor', name, packageName));
}

// Only a package that exists is named; for the others the user is told how to bring the codec.
function missingCodecMessage(kind: Exclude<PackageKind, 'scheme'>, name: string, packageName: string | undefined): string {
  const what = kind === 'serializer' ? `The "${name}" serializer` : `The "${name}" compression`;
  const option = kind === 'serializer' ? 'serializers' : 'compressors';
  if (packageName) return `${what} is not registered. Install ${packageName}, or pass it in "${option}".`;
  if (isNotAvailableYet(kind, name)) return `${what} is not available yet; pass an implementation of your own in "${option}".`;
  return `${what} is not registered; pass an implementation in "${option}".`;
}
