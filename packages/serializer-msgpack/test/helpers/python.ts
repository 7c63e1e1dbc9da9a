import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The interpreter the Python tests run: Debian's python3 (with python3-msgpack), or $CELERY_PYTHON. */
export const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

/** Set RESULTKIT_NO_PYTHON=1 to skip (rather than fail) the tests that need Python. */
export const PYTHON_DISABLED = process.env.RESULTKIT_NO_PYTHON === '1';

const SCRIPT = fileURLToPath(new URL('../python/msgpack_check.py', import.meta.url));

/** A value as `msgpack_check.py` builds and describes it: the Python type is in the tag. */
export type Tagged = null | { [kind: string]: unknown };

export interface CheckResponse {
  packed: unknown[];
  unpacked: (Tagged | { error: string })[];
}

/** Runs `msgpack_check.py` once; a missing interpreter or module fails with what to install. */
export function runPython(request: { pack?: Tagged[]; unpack?: unknown[] }): CheckResponse {
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), maxBuffer: 1 << 28, timeout: 60_000 });
  if (run.status !== 0) {
    const detail = run.error?.message ?? run.stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${PYTHON} ${SCRIPT} failed: ${detail}. It needs Python 3 with python3-msgpack; RESULTKIT_NO_PYTHON=1 skips these tests.`);
  }
  return JSON.parse(run.stdout.toString('utf8')) as CheckResponse;
}
