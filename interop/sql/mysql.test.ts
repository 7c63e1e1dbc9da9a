import { randomBytes } from 'node:crypto';
import { registerSqlInterop } from './celery-sql.js';

// SQLAlchemy's default MySQL driver is MySQLdb; Debian's Celery setup has PyMySQL. The same
// URL, driver suffix and all, is what resultkit is given.
const base = (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test').replace(/^(db\+)?mysql(\+\w+)?:/, 'db+mysql+pymysql:');
// A database of this run's own: on MariaDB 10.3+ SQLAlchemy creates Celery's sequences
// (task_id_sequence...) beside the tables, and the teardown drops it whole.
registerSqlInterop({ engine: 'mysql', url: base, schema: `rk_interop_${randomBytes(4).toString('hex')}`, queue: 'rk-sql-my' });
