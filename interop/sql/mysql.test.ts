import { registerSqlInterop } from './celery-sql.js';

// SQLAlchemy's default MySQL driver is MySQLdb; Debian's Celery setup has PyMySQL. The same
// URL, driver suffix and all, is what resultkit is given.
const base = (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test').replace(/^(db\+)?mysql(\+\w+)?:/, 'db+mysql+pymysql:');
registerSqlInterop({ engine: 'mysql', url: base, queue: 'rk-sql-my' });
