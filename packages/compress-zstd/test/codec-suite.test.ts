import { registerCodecSuite } from '@resultkit/test-suite';
import { compressor } from '../src/index.js';

registerCodecSuite({ name: 'zstd', compressor });
