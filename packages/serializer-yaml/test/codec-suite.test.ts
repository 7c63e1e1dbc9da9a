import { registerCodecSuite } from '@resultkit/test-suite';
import { serializer } from '../src/index.js';

// PyYAML's safe_dump carries bytes (!!binary), ints of any size, datetimes (timestamps) and
// lone surrogates (as `\uD800` escapes, which safe_load reads back into a Python str).
// A truncated YAML document can still be a whole one (`traceback:` is null, as `traceback: null`).
registerCodecSuite({ name: 'yaml', serializer, truncationDetected: false, carries: { bytes: true, bigint: true, dates: true, loneSurrogates: true } });
