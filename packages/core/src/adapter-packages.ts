/**
 * Which package serves which URL scheme. Schemes follow Celery's `result_backend` URLs;
 * `db+<dialect>+<driver>` is matched on its dialect.
 */
const PACKAGES: Record<string, string> = {
  redis: '@resultkit/backend-redis',
  rediss: '@resultkit/backend-redis',
  sentinel: '@resultkit/backend-redis',
  'redis+socket': '@resultkit/backend-redis',
  socket: '@resultkit/backend-redis',
  'db+postgresql': '@resultkit/backend-sql',
  'db+postgres': '@resultkit/backend-sql',
  'db+mysql': '@resultkit/backend-sql',
  'db+mariadb': '@resultkit/backend-sql',
  'db+sqlite': '@resultkit/backend-sql',
  rpc: '@resultkit/backend-rpc',
  file: '@resultkit/backend-fs',
};

/** The adapter package for a scheme, or undefined when no package serves it. */
export function adapterPackageFor(scheme: string): string | undefined {
  const direct = PACKAGES[scheme];
  if (direct) return direct;
  // db+postgresql+psycopg2 -> db+postgresql
  const dialect = /^(db\+[a-z0-9]+)\+/.exec(scheme)?.[1];
  return dialect ? PACKAGES[dialect] : undefined;
}

export function knownSchemes(): string[] {
  return ['memory', ...Object.keys(PACKAGES)];
}
