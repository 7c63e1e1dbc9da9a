import { registerCodecSuite } from '@resultkit/test-suite';
import { serializer } from '../src/index.js';

// cborg writes integers up to 64 bits and refuses larger ones, which the suite's BigInt values
// are (2^64 + 1): `bigint` is left out, and the suite checks they are refused.
registerCodecSuite({ name: 'cbor', serializer, carries: { bytes: true } });
