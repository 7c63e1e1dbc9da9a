import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The interpreter the Python tests run: Debian's python3 (with python3-yaml), or $CELERY_PYTHON. */
export const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

/** Set RESULTKIT_NO_PYTHON=1 to skip (rather than fail) the tests that need Python. */
export const PYTHON_DISABLED = process.env.RESULTKIT_NO_PYTHON === '1';

const SCRIPT = fileURLToPath(new URL('../python/yaml_check.py', import.meta.url));

/** A value as `yaml_check.py` builds and describes it: the Python type is in the tag. */
export type Tagged = null | { [kind: string]: unknown };

export interface CheckResponse {
  packed: (string | { error: string })[];
  unpacked: (Tagged | { error: string })[];
}

/**
 * Runs `yaml_check.py` once with every value to pack and every hex string to unpack. A
 * missing interpreter or module fails with a message saying how to fix it.
 */
export function runPython(request: { pack?: Tagged[]; unpack?: string[] }, timeoutMs = 60_000): Promise<CheckResponse> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => reject(new Error(`Cannot run ${PYTHON} (${error.message}); RESULTKIT_NO_PYTHON=1 skips these tests.`)));
    child.on('close', (code) => {
      if (code !== 0) {
        const detail = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`${SCRIPT} failed (exit ${code}): ${detail}. It needs Python 3 with python3-yaml.`));
        return;
      }
      resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as CheckResponse);
    });
    child.stdin.end(JSON.stringify(request));
  });
}
