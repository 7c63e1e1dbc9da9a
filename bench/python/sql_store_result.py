"""Times Celery's own database backend storing results, for bench/src/sql.bench.ts.

    sql_store_result.py <db+ url> <ops> <task table> <group table> <schema or ''> <id prefix> '<json payload>'

Runs `backend.store_result(task_id, payload, SUCCESS)` <ops> times in a row (Celery's backend is
synchronous: one request in flight), after a warm-up, against the given tables (Celery's
`database_table_names`, `database_table_schemas`), and prints {"ops_per_second": ...}. Every row it wrote is deleted
before it exits.
"""
import json
import sys
import time

from celery import Celery, states

url, ops, task_table, group_table, schema, prefix, payload = (
    sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] or None, sys.argv[6], json.loads(sys.argv[7]))
app = Celery("bench", backend=url)
app.conf.update(
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    database_table_names={"task": task_table, "group": group_table},
    database_table_schemas={"task": schema, "group": schema} if schema else None,
)
backend = app.backend

warm = min(200, ops)
for i in range(warm):
    backend.store_result(f"{prefix}warm-{i}", payload, states.SUCCESS)
started = time.perf_counter()
for i in range(ops):
    backend.store_result(f"{prefix}{i}", payload, states.SUCCESS)
seconds = time.perf_counter() - started

session = backend.ResultSession()
try:
    session.query(backend.task_cls).filter(backend.task_cls.task_id.like(f"{prefix}%")).delete(synchronize_session=False)
    session.commit()
finally:
    session.close()
print(json.dumps({"ops": ops, "seconds": seconds, "ops_per_second": ops / seconds}))
