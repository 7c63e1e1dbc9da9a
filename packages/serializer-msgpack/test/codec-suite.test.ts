import { registerCodecSuite } from '@resultkit/test-suite';
import { serializer } from '../src/index.js';

// kombu's msgpack carries bytes (bin) and 64-bit ints, but no datetime (Python's packb raises
// TypeError) and no lone surrogate (not UTF-8): those are refused with EncodeError.
registerCodecSuite({ name: 'msgpack', serializer, carries: { bytes: true, bigint: true, dates: false, loneSurrogates: false } });
