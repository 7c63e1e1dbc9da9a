import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Tagged } from './tagged-values.js';

/** The interpreter the Python checks run: Debian's python3, or $CELERY_PYTHON. */
export const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

/** Set RESULTKIT_NO_PYTHON=1 to skip (rather than fail) the tests that need Python. */
export const PYTHON_DISABLED = process.env.RESULTKIT_NO_PYTHON === '1';

// `tagged_values.py`, which every check script imports; the same two levels up from src/python
// and from dist/python.
const TAGGED_VALUES_DIR = fileURLToPath(new URL('../../python/', import.meta.url));

export interface CheckRequest {
  /** Values for Python to build and write with its library (the script's `dump`). */
  pack?: Tagged[];
  /** Our output, as text (hex for binary formats), for Python to read (the script's `load`). */
  unpack?: string[];
}

export interface CheckResponse {
  /** What Python wrote for each `pack` value, or the name of the exception it raised. */
  packed: (string | { error: string })[];
  /** What Python read from each `unpack` text, tagged, or the exception it raised. */
  unpacked: (Tagged | { error: string })[];
}

/**
 * Runs a check script once for a whole test file: a Python program that calls
 * `tagged_values.serve(dump, load)` with its library's own calls, e.g.
 * `serve(lambda v: msgpack.packb(v, use_bin_type=True).hex(), lambda t: msgpack.unpackb(bytes.fromhex(t), raw=False))`.
 * A missing interpreter or module fails with `needs` (what to install) in the message.
 */
export function runPythonCheck(script: string, request: CheckRequest, needs: string): CheckResponse {
  const pythonPath = [TAGGED_VALUES_DIR, process.env.PYTHONPATH].filter(Boolean).join(':');
  const run = spawnSync(PYTHON, [script], {
    input: JSON.stringify(request),
    env: { ...process.env, PYTHONPATH: pythonPath },
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
  if (run.status !== 0) {
    const detail = run.error?.message ?? run.stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${PYTHON} ${script} failed: ${detail}. It needs ${needs}; RESULTKIT_NO_PYTHON=1 skips these tests.`);
  }
  return JSON.parse(run.stdout.toString('utf8')) as CheckResponse;
}
