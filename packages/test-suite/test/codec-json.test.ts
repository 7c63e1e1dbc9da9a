import { createJsonSerializer } from '@resultkit/core';
import { registerCodecSuite } from '../src/index.js';

// kombu 5.3's dialect carries every kind through its envelopes. (5.2's, the default, has no
// form for bytes, and writes a Date as its ISO text, as kombu 5.2 itself does.)
registerCodecSuite({
  name: 'json (kombu 5.3)',
  serializer: createJsonSerializer({ dialect: 'kombu5.3' }),
  carries: { bytes: true, bigint: true, dates: true, loneSurrogates: true },
});
