import { ConfigurationError, Secrets, redactUrl, scrubError } from '@resultkit/core';
import type { Options } from 'amqplib';

/**
 * `rpc://` is the whole backend URL, as in Celery: the broker it publishes through is the
 * `broker_url`, given separately. Anything after `rpc://` would be silently ignored by Celery;
 * here it is refused, so a broker URL put in the wrong place is noticed.
 */
export function parseRpcUrl(url: string): void {
  if (!/^rpc:\/\/\/?$/i.test(url)) {
    throw new ConfigurationError(
      `The RPC backend URL is just rpc:// (got ${redactUrl(url)}); pass the broker as { rpc: { brokerUrl } } or CELERY_BROKER_URL.`,
    );
  }
}

/** A broker URL taken apart: what amqplib connects with, and what must never appear in a message. */
export interface BrokerAddress {
  connect: Options.Connect;
  tls: boolean;
  /** The URL with its password replaced by `***`. */
  redacted: string;
  /** What to scrub from every error it reports (the password, raw and URL-encoded). */
  secrets: Secrets;
}

const SCHEMES: Record<string, { tls: boolean; port: number }> = {
  amqp: { tls: false, port: 5672 },
  pyamqp: { tls: false, port: 5672 },
  amqps: { tls: true, port: 5671 },
  pyamqps: { tls: true, port: 5671 },
};

/**
 * Reads a Celery broker URL the way kombu does: user and password default to `guest`, the path
 * after the first `/` is the virtual host (so `amqp://h:5672//` is vhost `/`, as is no path).
 */
export function parseBrokerUrl(brokerUrl: string): BrokerAddress {
  const redacted = redactUrl(brokerUrl);
  if (brokerUrl.includes(';')) {
    throw new ConfigurationError(`Failover broker lists are not supported by rpc://; give one broker URL (got ${redacted}).`);
  }
  let url: URL;
  try {
    url = new URL(brokerUrl);
  } catch (error) {
    throw new ConfigurationError(`Not a broker URL: ${redacted}. Expected amqp://user:password@host:5672//`, {
      cause: scrubError(error, Secrets.fromUrl(brokerUrl, brokerUrl)),
    });
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const kind = SCHEMES[scheme];
  if (!kind) {
    throw new ConfigurationError(
      `rpc:// needs an AMQP broker (amqp:// or amqps://), not ${scheme}://: ${redacted}. ` +
        `Over other brokers kombu only emulates reply queues (they never expire: celery#7801); use that store's own backend instead.`,
    );
  }
  const password = url.password ? decode(url.password, redacted) : 'guest';
  const connect: Options.Connect = {
    protocol: kind.tls ? 'amqps' : 'amqp',
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: url.port ? Number(url.port) : kind.port,
    username: url.username ? decode(url.username, redacted) : 'guest',
    password,
    vhost: decode(url.pathname.slice(1), redacted) || '/',
  };
  for (const [key, value] of url.searchParams) {
    if (key === 'heartbeat') connect.heartbeat = numberParam(key, value, redacted);
    else if (key === 'frame_max' || key === 'frameMax') connect.frameMax = numberParam(key, value, redacted);
    else throw new ConfigurationError(`Unknown broker URL parameter "${key}" in ${redacted}; rpc:// reads heartbeat and frame_max.`);
  }
  return { connect, tls: kind.tls, redacted, secrets: Secrets.fromUrl(brokerUrl, url.password ? password : undefined) };
}

function decode(part: string, redacted: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigurationError(`The broker URL ${redacted} has a malformed %-escape.`);
  }
}

function numberParam(key: string, value: string, redacted: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ConfigurationError(`Broker URL parameter ${key} must be a number (in ${redacted}).`);
  return n;
}
