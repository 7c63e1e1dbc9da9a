/** The system account a database server runs as when the tests run as root. */
import { execFileSync } from 'node:child_process';
import type { RunAs } from './owned-process.js';

/** `name`'s uid and gid when this process is root (servers refuse root); undefined otherwise (run as ourselves). */
export function systemUser(name: string): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
