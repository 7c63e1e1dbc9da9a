/**
 * Whether the server programs a suite needs are installed. Outside CI a suite whose programs are
 * missing is skipped with a warning; in CI (`CI` set) it runs, and fails, never skipping.
 */
import { spawnSync } from 'node:child_process';
import type { ServerKind } from './owned-server.js';
import { postgresBinDir } from './postgres-server.js';
import { rabbitmqServerCommand } from './rabbitmq-server.js';

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function serverInstalled(kind: ServerKind): boolean {
  switch (kind) {
    case 'redis':
      return onPath('redis-server');
    case 'postgresql':
      return postgresBinDir() !== null;
    case 'mariadb':
      return onPath('mariadbd') && onPath('mariadb-install-db');
    case 'rabbitmq':
      return rabbitmqServerCommand() !== null;
  }
}

/** True when a suite needing `kinds` should be skipped (never in CI). */
export function skipWithout(...kinds: ServerKind[]): boolean {
  const missing = kinds.filter((kind) => !serverInstalled(kind));
  if (!missing.length || process.env.CI) return false;
  console.warn(`[reliability] skipped: ${missing.join(', ')} not installed (scripts/ensure-services.sh installs them)`);
  return true;
}
