"""A Celery app on the database result backend, for the SQL interop suites (interop/sql).

Configured from the environment so each suite points it at its own database and tables:
  SQL_INTEROP_BACKEND   result backend URL: db+postgresql://..., db+mysql+pymysql://..., db+sqlite:///...
  SQL_INTEROP_TASKS     task table name (database_table_names['task'])
  SQL_INTEROP_GROUPS    group table name (database_table_names['group'])
  SQL_INTEROP_SCHEMA    optional schema of both tables (database_table_schemas)
  SQL_INTEROP_BROKER    broker URL for the real worker (default redis://127.0.0.1:6379/11)
  SQL_INTEROP_QUEUE     the queue the worker consumes
"""
import os

from celery import Celery

BACKEND = os.environ["SQL_INTEROP_BACKEND"]
SCHEMA = os.environ.get("SQL_INTEROP_SCHEMA") or None

app = Celery("sql_app", broker=os.environ.get("SQL_INTEROP_BROKER", "redis://127.0.0.1:6379/11"), backend=BACKEND)
app.conf.update(
    result_serializer="json",
    task_serializer="json",
    accept_content=["json"],
    result_extended=True,
    task_track_started=True,
    result_expires=3600,
    database_table_names={"task": os.environ["SQL_INTEROP_TASKS"], "group": os.environ["SQL_INTEROP_GROUPS"]},
    database_table_schemas={"task": SCHEMA, "group": SCHEMA} if SCHEMA else None,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    task_default_queue=os.environ.get("SQL_INTEROP_QUEUE", "celery"),
    worker_enable_remote_control=False,
    worker_send_task_events=False,
)


class QuotaExceeded(Exception):
    """A user-defined exception: readers must see its own name, module and arguments."""


@app.task
def add(x, y):
    return x + y


@app.task
def fail_custom(message, amount):
    raise QuotaExceeded(message, amount)


@app.task(bind=True, max_retries=3)
def retry_once(self, value):
    if self.request.retries == 0:
        raise self.retry(exc=KeyError("first attempt"), countdown=0)
    return {"value": value, "retries": self.request.retries}
