/** `REDIS_URL` (default the local server) pointed at database `db`: the suites keep to their own. */
export function redisUrl(db: number): string {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  url.pathname = `/${db}`;
  return url.toString();
}
