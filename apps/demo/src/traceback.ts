import { fileURLToPath } from 'node:url';

/** The app's own directory (the parent of `src/` and `dist/`). */
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * The error's stack with the app's directory left out of every path (`src/tasks.ts:20:24`):
 * a traceback is stored for whoever reads the result, and the server's file layout is none of
 * their business.
 */
export function tracebackOf(error: unknown): string | null {
  if (!(error instanceof Error) || !error.stack) return null;
  return error.stack.replaceAll(`file://${APP_DIR}`, '').replaceAll(APP_DIR, '');
}
