/**
 * Reads the Celery captures in `fixtures/` (see `fixtures/README.md`): what real Celery 5.2.6 /
 * kombu 5.2.4 workers stored, byte for byte, for each scenario and backend.
 */
import { Buffer } from 'node:buffer';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of `test/fixtures/` (with a trailing slash). */
export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

export type CaptureBackend = 'redis' | 'db' | 'rpc';

/** The scenarios captured for a backend: `success-json`, `failure`, ... */
export function listScenarios(backend: CaptureBackend): string[] {
  return readdirSync(`${fixturesDir}celery-5.2/${backend}`)
    .filter((file) => file.endsWith('.txt') && file !== 'schema.txt')
    .map((file) => file.slice(0, -'.txt'.length))
    .sort();
}

/** The whole capture file of one scenario, as text. */
export function readCaptureText(backend: CaptureBackend, scenario: string): string {
  return readFileSync(`${fixturesDir}celery-5.2/${backend}/${scenario}.txt`, 'utf8');
}

export interface RedisCapture {
  /** The Redis key, e.g. `celery-task-meta-<id>`. */
  key: string;
  /** The stored value, exactly. */
  bytes: Uint8Array;
}

/**
 * The value a Redis capture stored, read from its `xxd` dump and checked against the quoted
 * `redis-cli --no-raw GET` line above it. (Not against `STRLEN`: it was recorded before the
 * paths inside tracebacks were normalised, so it can be longer than the value.)
 */
export function readRedisCapture(scenario: string): RedisCapture {
  const lines = readCaptureText('redis', scenario).split('\n');
  const command = lines.findIndex((line) => /--raw GET \S+ .*\| xxd$/.test(line));
  const key = /--raw GET (\S+)/.exec(lines[command] ?? '')?.[1];
  if (command < 0 || !key) throw new Error(`No xxd dump of a GET in the redis capture "${scenario}"`);

  const dumped: number[] = [];
  for (const line of lines.slice(command + 1)) {
    // `00000010: 4553 5322 2c20 2272 6573 756c 7422 3a20  ESS", "result": `
    const offset = /^([0-9a-f]{8}): [0-9a-f]{2}/.exec(line)?.[1];
    if (offset === undefined) break;
    if (Number.parseInt(offset, 16) !== dumped.length) {
      throw new Error(`xxd offset ${offset} does not follow ${dumped.length} bytes in "${scenario}"`);
    }
    // Only the 39 columns after the offset are hex; the rest is the ASCII column.
    const digits = line.slice(10, 49).replaceAll(' ', '');
    for (let i = 0; i < digits.length; i += 2) dumped.push(Number.parseInt(digits.slice(i, i + 2), 16));
  }
  const bytes = Uint8Array.from(dumped);

  const quotedIndex = lines.findIndex((line) => line.endsWith(`--no-raw GET ${key}`));
  const quoted = lines[quotedIndex + 1];
  if (quotedIndex < 0 || quoted === undefined) throw new Error(`No quoted GET in the redis capture "${scenario}"`);
  if (!Buffer.from(bytes).equals(unquoteRedisCli(quoted))) {
    throw new Error(`The xxd dump and the quoted value of "${scenario}" differ`);
  }
  return { key, bytes };
}

/**
 * The bytes behind a string as `redis-cli --no-raw` prints it: double-quoted, printable ASCII
 * as is, `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH` for the rest.
 */
export function unquoteRedisCli(quoted: string): Buffer {
  if (!quoted.startsWith('"') || !quoted.endsWith('"')) throw new Error('Not a redis-cli quoted string');
  const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, a: 0x07, b: 0x08, '"': 0x22, '\\': 0x5c };
  const out: number[] = [];
  for (let i = 1; i < quoted.length - 1; i++) {
    const char = quoted[i] ?? '';
    if (char !== '\\') {
      out.push(char.charCodeAt(0));
      continue;
    }
    const escape = quoted[++i] ?? '';
    if (escape === 'x') {
      out.push(Number.parseInt(quoted.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = simple[escape];
      if (code === undefined) throw new Error(`Unknown redis-cli escape \\${escape}`);
      out.push(code);
    }
  }
  return Buffer.from(out);
}

export interface RpcCapture {
  /** The AMQP `content_type` property, e.g. `application/json`. */
  contentType: string;
  /** The AMQP `content_encoding` property: `utf-8` or `binary`. */
  contentEncoding: string;
  /** The `correlation_id` property: the task id. */
  correlationId: string;
  /** The message body, exactly. */
  bytes: Uint8Array;
}

/** The result message an RPC capture peeked at (there is none for `group`: RPC cannot save groups). */
export function readRpcCapture(scenario: string): RpcCapture {
  const text = readCaptureText('rpc', scenario);
  const field = (pattern: RegExp): string => {
    const value = pattern.exec(text)?.[1];
    if (value === undefined) throw new Error(`No ${String(pattern)} in the rpc capture "${scenario}"`);
    return value;
  };
  const bytes = Uint8Array.from(Buffer.from(field(/^body hex: ([0-9a-f]*)$/m), 'hex'));
  if (bytes.length !== Number(field(/^body length: (\d+)$/m))) {
    throw new Error(`The body hex of "${scenario}" does not have the recorded length`);
  }
  return {
    contentType: field(/^property content_type: '([^']*)'$/m),
    contentEncoding: field(/^property content_encoding: '([^']*)'$/m),
    correlationId: field(/^property correlation_id: '([^']*)'$/m),
    bytes,
  };
}
