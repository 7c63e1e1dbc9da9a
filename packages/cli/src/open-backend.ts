import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import type { Output } from './output.js';
import { UsageError } from './usage-error.js';

/** The backend options a command line may set, for one backend. */
export interface BackendFlags {
  serializer?: string;
  accept?: string;
  /** A JSON object of further `createBackend` options (an adapter's own: `{"sql":{"tableNames":...}}`). */
  options?: string;
  connectTimeout?: number;
}

/**
 * Opens a backend with `createBackend`, which imports the adapter package the URL's scheme names
 * from wherever it is installed: beside this CLI, or in the project the command runs in. The
 * URL's passwords are masked in all output from here on, before anything can fail.
 */
export async function openBackend(url: string, flags: BackendFlags, out: Output, extra: BackendOptions = {}): Promise<ResultBackend> {
  out.protect(url);
  // rpc:// reads its broker from the environment; options may carry passwords of their own.
  if (process.env.CELERY_BROKER_URL) out.protect(process.env.CELERY_BROKER_URL);
  const options = { ...backendOptions(flags), ...extra };
  out.protectValues(secretValues(options));
  return createBackend(url, options);
}

const SECRET_KEY = /pass|secret|token|key$/i;

/** Values of options named like secrets (`password`, `sslKey`, ...) and every URL's password among them. */
function secretValues(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return SECRET_KEY.test(key) && key !== 'keyPrefix' ? [value] : value.includes('://') ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => secretValues(v, k));
}

/**
 * `createBackend` options from command-line flags. A command names the serializer of results it
 * is about to read, so without `--accept` (here or in `--options`) that serializer is what it
 * accepts: `--serializer pickle` alone reads pickle. The library's own default stays JSON only.
 */
export function backendOptions(flags: BackendFlags): BackendOptions {
  const options: BackendOptions = { ...parseJsonOptions(flags.options) };
  if (flags.serializer) options.serializer = flags.serializer;
  if (flags.accept) options.accept = flags.accept.split(',').map((s) => s.trim()).filter(Boolean);
  if (options.serializer && options.accept === undefined) options.accept = [options.serializer];
  if (flags.connectTimeout !== undefined) options.connectTimeout = flags.connectTimeout;
  return options;
}

function parseJsonOptions(text: string | undefined): BackendOptions {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--options takes a JSON object: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--options takes a JSON object, e.g. {"sql":{"tableNames":{"task":"results"}}}.');
  return parsed as BackendOptions;
}
