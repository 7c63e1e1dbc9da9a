import type { AdapterContext, AdapterFactory } from '@resultkit/core';
import { AmqpSession } from './connect.js';
import { resolveRpcOptions } from './options.js';
import { RpcAdapter } from './rpc-adapter.js';
import { parseBrokerUrl, parseRpcUrl } from './url.js';

/**
 * Opens an `RpcAdapter` for `rpc://` (what `createBackend` calls). Nothing connects yet: the
 * connection opens on first use, and the reply queue is declared on the first read, wait or
 * `taskProperties`, so a process that only stores results never declares one.
 */
export function createRpcAdapter(url: string, context: AdapterContext): RpcAdapter {
  parseRpcUrl(url);
  const options = resolveRpcOptions(context.options.rpc);
  const address = parseBrokerUrl(options.brokerUrl);
  const connectTimeoutMs = Math.round(options.connectTimeout * 1000);
  // The session tells the adapter's reply consumer about losses and reconnects; the consumer
  // is made by the adapter, which needs the session first.
  const replies: { current?: RpcAdapter['replies'] } = {};
  const session = new AmqpSession({
    address,
    heartbeat: options.heartbeat,
    connectTimeoutMs,
    confirmPublish: options.confirmPublish,
    connectionName: options.connectionName,
    ssl: options.ssl,
    onLost: () => replies.current?.lost(),
    onReconnected: () => replies.current?.reconnected(),
  });
  const adapter = new RpcAdapter({
    session,
    codec: context.codec,
    expires: context.expires,
    persistent: options.persistent,
    maxBuffered: options.maxBuffered,
    syncTimeoutMs: Math.max(5_000, connectTimeoutMs),
  });
  replies.current = adapter.replies;
  return adapter;
}

/** What `createBackend` loads for `rpc://`. */
export const resultkitAdapter: AdapterFactory = {
  specificationVersion: 'v1',
  schemes: ['rpc'],
  create: createRpcAdapter,
};
