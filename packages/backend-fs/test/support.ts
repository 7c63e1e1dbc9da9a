/**
 * Shared by the file-system tests: a temporary directory per test (removed when it finishes)
 * and backends opened on it (closed when it finishes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBackend, type BackendOptions, type ResultBackend } from '@resultkit/core';
import { onTestFinished } from 'vitest';
import { resultkitAdapter } from '../src/factory.js';
import type { FsAdapter } from '../src/fs-adapter.js';

/** A new empty directory; `removeDir` deletes it. */
export function makeDir(): string {
  return mkdtempSync(join(tmpdir(), 'rk-fs-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A directory of the current test's own, removed when the test finishes. */
export function testDir(): string {
  const dir = makeDir();
  onTestFinished(() => removeDir(dir));
  return dir;
}

export function fileUrl(dir: string): string {
  return pathToFileURL(dir).href;
}

/** A backend on `dir`; closed by the caller, or at the end of the test with `own`. */
export function openFsBackend(dir: string, options: BackendOptions = {}): Promise<ResultBackend> {
  // A bare relative path is passed through as file://<path>, Celery's relative form.
  const url = dir.startsWith('/') ? fileUrl(dir) : `file://${dir}`;
  return createBackend(url, { adapter: resultkitAdapter, ...options });
}

/** A backend on `dir`, closed when the current test finishes. */
export async function ownFsBackend(dir: string, options: BackendOptions = {}): Promise<ResultBackend> {
  const backend = await openFsBackend(dir, options);
  onTestFinished(() => backend.close());
  return backend;
}

export function adapterOf(backend: ResultBackend): FsAdapter {
  return backend.adapter as FsAdapter;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
