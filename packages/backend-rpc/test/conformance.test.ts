import type { ResultBackend } from '@resultkit/core';
import { registerConformanceTests } from '@resultkit/test-suite';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, describe, it } from 'vitest';
import { BROKER_URL, openRpcBackend } from './support.js';

// A foreign writer: raw amqplib publishing into the backend's own reply queue, as a worker
// would, bypassing every check of the codec.
let raw: { connection: ChannelModel; channel: ConfirmChannel } | undefined;
async function publishRaw(backend: ResultBackend, taskId: string, bytes: Uint8Array): Promise<void> {
  if (!raw) {
    const connection = await connect(BROKER_URL);
    raw = { connection, channel: await connection.createConfirmChannel() };
  }
  const { replyTo } = await backend.taskProperties(taskId);
  raw.channel.sendToQueue(replyTo, Buffer.from(bytes), { correlationId: taskId, contentType: backend.codec.contentType, contentEncoding: 'utf-8' });
  await raw.channel.waitForConfirms();
}

afterAll(async () => {
  await raw?.connection.close();
});

// One backend is client and worker at once: a store without request.replyTo goes to the
// backend's own reply queue, where its own reads find it (see the README, "missing replyTo").
registerConformanceTests({
  it,
  describe,
  factory: (options) => openRpcBackend(options),
  writeRaw: publishRaw,
  writeDocument: (backend, taskId, document) => publishRaw(backend, taskId, backend.codec.encode(document)),
  ttlGranularity: 'milliseconds',
});

