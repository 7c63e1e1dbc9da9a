import { registerCodecSuite } from '@resultkit/test-suite';
import { serializer } from '../src/index.js';

// kombu's msgpack carries bytes (bin) and ints up to 64 bits only (so the suite's larger
// BigInts must be refused), but no datetime (Python's packb raises
// TypeError) and no lone surrogate (not UTF-8): those are refused with EncodeError.
registerCodecSuite({ name: 'msgpack', serializer, carries: { bytes: true, bigint: false, dates: false, loneSurrogates: false } });
