import { Codec, CodecRegistry, json, type Compressor, type Serializer } from '@resultkit/core';

/**
 * A core `Codec` around the codecs under test, as a backend builds one: a compressor is tried
 * with core's JSON serializer when no serializer is given.
 */
export function codecFor(serializer: Serializer | undefined, compressor?: Compressor, accept?: readonly string[]): Codec {
  const writer = serializer ?? json;
  const registry = new CodecRegistry({ serializers: [writer], compressors: compressor ? [compressor] : [] });
  return new Codec({
    registry,
    serializer: writer.name,
    accept: accept ?? [writer.name],
    compression: compressor?.name ?? null,
  });
}

/** A result document as Celery stores it, with `result` inside. */
export function resultDocument(result: unknown): Record<string, unknown> {
  return {
    status: 'SUCCESS',
    result,
    traceback: null,
    children: [],
    date_done: '2024-05-01T12:00:00.123456+00:00',
    task_id: '7f1c3a2e-9a41-4a36-9b7c-2a3d4e5f6a7b',
  };
}
