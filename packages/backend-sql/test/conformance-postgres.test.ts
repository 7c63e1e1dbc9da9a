import { PG_URL } from './support.js';
import { registerSqlConformance } from './conformance.js';

// PostgreSQL with the defaults: SUCCESS is final, batching, LISTEN/NOTIFY push.
registerSqlConformance('postgresql', PG_URL);
