import { createRequire } from 'node:module';

// The package is CommonJS with an `export =` declaration, which this project's TypeScript
// settings (no esModuleInterop) cannot default-import.
const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

/** Redis Cluster's hash slot of a key or shard channel (CRC16, `{hash tags}` honoured): the one ioredis routes by. */
export function hashSlot(key: string): number {
  return calculateSlot(key);
}
