import { registerCodecSuite } from '@resultkit/test-suite';
import { serializer } from '../src/index.js';

registerCodecSuite({ name: 'pickle', serializer, carries: { bytes: true, bigint: true, dates: true, loneSurrogates: true } });
