import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The interpreter the interop tests run: Debian's python3 with python3-celery, or $CELERY_PYTHON. */
export const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

/** Set RESULTKIT_NO_PYTHON=1 to skip (rather than fail) the tests that need Python and Celery. */
export const PYTHON_DISABLED = process.env.RESULTKIT_NO_PYTHON === '1';

const SCRIPT = fileURLToPath(new URL('../python/interop.py', import.meta.url));

export interface InteropRequest {
  load?: { name: string; hex: string; protocol: number }[];
  produce?: boolean;
}

export interface InteropResponse {
  loaded: { name: string; value?: unknown; error?: string; repickled_same?: boolean }[];
  produced: Record<string, Record<string, string>>;
}

/**
 * Runs `test/python/interop.py` once: one JSON request on stdin, one JSON answer on stdout.
 * Any failure (no interpreter, Celery not installed, a timeout) rejects with a message that says
 * how to fix it, so a missing dependency fails the test instead of silently skipping it.
 */
export function runInterop(request: InteropRequest, timeoutMs = 60_000): Promise<InteropResponse> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      reject(
        new Error(
          `Cannot run ${PYTHON} (${error.message}). The pickle interop tests need Python 3 with Celery ` +
            `(apt-get install python3-celery), or CELERY_PYTHON pointing at one; RESULTKIT_NO_PYTHON=1 skips them.`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const detail = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        reject(
          new Error(
            `${PYTHON} ${SCRIPT} failed (${signal ? `killed by ${signal} after ${timeoutMs} ms` : `exit ${code}`}): ${detail}. ` +
              `It needs Python 3 with python3-celery and pytz; RESULTKIT_NO_PYTHON=1 skips these tests.`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as InteropResponse);
      } catch (error) {
        reject(new Error(`${PYTHON} printed something that is not JSON: ${String(error)}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}
