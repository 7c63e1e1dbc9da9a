import { MYSQL_URL } from './support.js';
import { registerSqlConformance } from './conformance.js';

// MariaDB/MySQL: Celery's DATETIME keeps whole seconds, so expiry is tested in seconds.
registerSqlConformance('mysql', MYSQL_URL, {}, { ttlGranularity: 'seconds' });
