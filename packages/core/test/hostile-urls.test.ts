/**
 * Wrong and hostile backend URLs: each is a ConfigurationError, quickly, before any connection,
 * and no form of the error (message, properties, causes, `util.inspect`, JSON) shows the
 * password. Every host that is not loopback has a port no connection can be made to, so nothing
 * leaves the machine. The adapters are imported as `createBackend` imports them.
 */
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createBackend, redactUrl, type BackendOptions } from '../src/index.js';

const SECRET = 'Hunter2-secret';

// `rpc` options are declared by @resultkit/backend-rpc, which core's own types do not see.
const rpcBroker = (brokerUrl: string): BackendOptions => ({ rpc: { brokerUrl } }) as BackendOptions;

const cases: ReadonlyArray<readonly [string, string, BackendOptions?]> = [
  ['an unknown scheme', `couchbase://admin:${SECRET}@127.0.0.1/bucket`],
  ['javascript:', `javascript:alert('${SECRET}')`],
  ['the empty string', ''],
  ['a port above 65535', `redis://:${SECRET}@127.0.0.1:99999/0`],
  ['a port that is not a number', `redis://:${SECRET}@127.0.0.1:abc/0`],
  ['a negative port', `db+mysql://root:${SECRET}@127.0.0.1:-1/test`],
  ['a PostgreSQL port above 65535', `db+postgresql://postgres:${SECRET}@127.0.0.1:70000/test`],
  ['a password holding @', `redis://:p@ss-${SECRET}@127.0.0.1:99999/0`],
  ['a password holding #', `redis://:pa#ss-${SECRET}@127.0.0.1:6379/0`],
  ['a password holding %00', `redis://:${SECRET}%00x@127.0.0.1:99999/0`],
  ['a PostgreSQL password holding %00', `db+postgresql://postgres:${SECRET}%00@127.0.0.1:99999/test`],
  ['an unclosed IPv6 host', `redis://:${SECRET}@[::1/0`],
  ['a very long URL (1 MB)', `redis://:${SECRET}@127.0.0.1:6379/${'9'.repeat(1_000_000)}`],
  ['a non-loopback Redis host with a bad port', `redis://:${SECRET}@10.255.255.1:99999/0`],
  ['a non-loopback PostgreSQL host with a bad port', `db+postgresql://u:${SECRET}@203.0.113.1:99999/db`],
  ['a non-loopback MySQL host with port 0', `db+mysql://u:${SECRET}@[::ffff:203.0.113.1]:0/db`],
  ['a Sentinel URL with a bad port', `sentinel://:${SECRET}@127.0.0.1:99999`],
  ['an AMQP broker with a bad port', 'rpc://', rpcBroker(`amqp://guest:${SECRET}@127.0.0.1:99999//`)],
  ['file:// traversal to a directory that does not exist', 'file:///../../../nonexistent-resultkit-dir/x'],
  ['file:// traversal to a directory that cannot be written', 'file:///etc/../../proc/self'],
  ['SQLite traversal to a directory that does not exist', 'db+sqlite:///../../../nonexistent-resultkit/x.db'],
];

/** Where the secret shows in any form of `error`, or null. */
function secretIn(error: unknown): string | null {
  const forms = [inspect(error, { showHidden: true, depth: Infinity }), String(error), JSON.stringify(error, Object.getOwnPropertyNames(error ?? {}))];
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) forms.push(cause.message, cause.stack ?? '');
  return forms.find((form) => form.includes(SECRET)) ?? null;
}

describe('wrong and hostile backend URLs', () => {
  // The first createBackend of a scheme imports its adapter package and driver; that one-time
  // cost is not what is measured.
  beforeAll(async () => {
    for (const url of ['redis://127.0.0.1:99999/0', 'db+postgresql://127.0.0.1:99999/x', 'file:///nonexistent-resultkit', 'rpc://']) {
      await createBackend(url, rpcBroker('amqp://127.0.0.1:99999//')).then((backend) => backend.close(), () => undefined);
    }
  }, 60_000);

  it.each(cases.map(([title, url, options]) => ({ title, url, options })))('$title is a ConfigurationError within a second, with no password in it', async ({ url, options }) => {
    const started = performance.now();
    const error = await createBackend(url, options).then(
      async (backend) => {
        await backend.close();
        return new Error(`${redactUrl(url).slice(0, 80)} was opened`);
      },
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(secretIn(error)).toBeNull();
    expect(elapsed).toBeLessThan(1_000);
  });

  it('redactUrl hides the whole password whatever it holds', () => {
    for (const password of [SECRET, `p@ss-${SECRET}`, `a/b-${SECRET}`, `a?b-${SECRET}`, `a#b-${SECRET}`]) {
      expect(redactUrl(`redis://user:${password}@127.0.0.1:6379/0`)).not.toContain(SECRET);
    }
    expect(redactUrl('redis://user@127.0.0.1:6379/0')).toBe('redis://user@127.0.0.1:6379/0');
  });
});
