"""The Python side of the SQL interop suites, as a command-line tool that speaks JSON.

    sql_client.py <command> '<json argument>'

Configured like sql_app.py (SQL_INTEROP_* variables). Prints one JSON document per line.
  write     {"prefix"}                  stores one result per state with Celery's own backend  -> {"ids": {scenario: id}}
  group     {"group_id", "ids"}         GroupResult(group_id, [AsyncResult(id)...]).save()       -> {"saved": true}
  read      {"ids": [...]}              AsyncResult(id).state/.result/.traceback/... for each    -> {"results": [...]}
  restore   {"group_id"}                GroupResult.restore(group_id)                              -> {"found", "ids"}
  send      {"tasks": [{"task", "args", "kwargs"}]}   apply_async to the suite's queue              -> {"ids": [...]}
  get       {"id", "timeout"}           {"waiting": true}, then the result once get() returns (polling)
  columns   {}                          the task table's columns, as SQLAlchemy reflects them      -> {"columns": [...]}
  setup     {}                          creates SQL_INTEROP_SCHEMA (a PostgreSQL schema, a MySQL database) -> {"ok": true}
  teardown  {"queue"}                   drops the tables (or the schema) and the queue's broker keys -> {"ok": true}
"""
import datetime
import decimal
import json
import sys

from celery import signature, states
from celery.app.task import Context
from celery.exceptions import TaskRevokedError
from celery.result import AsyncResult, GroupResult

import sql_app
from sql_app import app


def exception_info(exc):
    return {"type": type(exc).__name__, "module": type(exc).__module__, "args": [safe(a) for a in exc.args]}


def safe(value):
    if isinstance(value, BaseException):
        return {"exception": exception_info(value)}
    if isinstance(value, (list, tuple)):
        return [safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): safe(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 53:
        return {"$int": str(value)}
    if isinstance(value, bytes):
        return {"$bytes_hex": value.hex()}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"repr": repr(value)}


def describe(result):
    value = result.result
    meta = result._get_task_meta()
    info = {
        "id": result.id,
        "state": result.state,
        "ready": result.ready(),
        "result": None if isinstance(value, BaseException) else safe(value),
        "exception": exception_info(value) if isinstance(value, BaseException) else None,
        "traceback": result.traceback,
        "date_done": result.date_done.isoformat() if hasattr(result.date_done, "isoformat") else result.date_done,
    }
    for key in ("name", "args", "kwargs", "worker", "retries", "queue"):
        info[key] = safe(meta.get(key))
    return info


def raised(exc):
    """The exception with a real traceback, as a worker would store it."""
    try:
        raise exc
    except BaseException as e:  # noqa: B902
        import traceback
        return e, traceback.format_exc()


def write(prefix):
    backend = app.backend
    ids = {}

    def tid(name):
        ids[name] = f"{prefix}-{name}"
        return ids[name]

    backend.store_result(tid("success"), {"text": "héllo ✓ 日本", "big": 2 ** 64 + 1, "float": 0.5, "list": [1, "two", None], "nested": {"a": [True, False]}}, states.SUCCESS)
    backend.store_result(tid("datetime"), {"when": datetime.datetime(2024, 1, 2, 3, 4, 5, 678901), "amount": decimal.Decimal("1.10"), "raw": b"\x00\xff"}, states.SUCCESS)
    exc, tb = raised(ValueError("bad", 42))
    backend.mark_as_failure(tid("failure"), exc, traceback=tb)
    exc, tb = raised(sql_app.QuotaExceeded("over quota", 7))
    backend.mark_as_failure(tid("custom"), exc, traceback=tb)
    exc, tb = raised(KeyError("k"))
    backend.mark_as_retry(tid("retry"), exc, traceback=tb)
    backend.mark_as_revoked(tid("revoked"), "terminated")
    backend.mark_as_started(tid("started"), pid=4242, hostname="py@host")
    backend.store_result(tid("progress"), {"current": 3, "total": 10}, "PROGRESS")
    request = Context(task="sql_app.add", args=[2, 3], kwargs={"note": "ünï"}, hostname="py@host", retries=1,
                      delivery_info={"routing_key": "celery"}, children=[])
    backend.store_result(tid("extended"), 5, states.SUCCESS, request=request)
    return ids


def main():
    command = sys.argv[1]
    arg = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if command == "write":
        print(json.dumps({"ids": write(arg["prefix"])}))
    elif command == "group":
        GroupResult(arg["group_id"], [AsyncResult(i, app=app) for i in arg["ids"]], app=app).save()
        print(json.dumps({"saved": True}))
    elif command == "read":
        print(json.dumps({"results": [describe(AsyncResult(i, app=app)) for i in arg["ids"]]}))
    elif command == "restore":
        restored = GroupResult.restore(arg["group_id"], app=app)
        print(json.dumps({"found": restored is not None, "ids": [r.id for r in restored.results] if restored else None}))
    elif command == "send":
        ids = [signature(t["task"], args=t.get("args", []), kwargs=t.get("kwargs", {}), app=app).apply_async().id for t in arg["tasks"]]
        print(json.dumps({"ids": ids}))
    elif command == "get":
        result = AsyncResult(arg["id"], app=app)
        print(json.dumps({"waiting": True}), flush=True)
        try:
            value = result.get(timeout=arg.get("timeout", 10), interval=0.1, propagate=False)
            print(json.dumps({"got": None if isinstance(value, BaseException) else safe(value), **describe(result)}), flush=True)
        except Exception as exc:  # the timeout
            print(json.dumps({"error": exception_info(exc)}), flush=True)
    elif command == "columns":
        import sqlalchemy as sa
        engine = sa.create_engine(app.backend.url)
        table = app.backend.task_cls.__table__
        print(json.dumps({"columns": [c["name"] for c in sa.inspect(engine).get_columns(table.name, schema=table.schema)]}))
    elif command == "setup":
        import sqlalchemy as sa
        if sql_app.SCHEMA:
            engine = sa.create_engine(app.backend.url)
            with engine.begin() as connection:
                quoted = engine.dialect.identifier_preparer.quote(sql_app.SCHEMA)
                connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
        print(json.dumps({"ok": True}))
    elif command == "teardown":
        import sqlalchemy as sa
        engine = sa.create_engine(app.backend.url)
        with engine.begin() as connection:
            if sql_app.SCHEMA:
                quoted = engine.dialect.identifier_preparer.quote(sql_app.SCHEMA)
                # PostgreSQL: the schema and everything in it; MySQL: the database.
                cascade = " CASCADE" if engine.dialect.name == "postgresql" else ""
                connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {quoted}{cascade}"))
            else:
                for table in (app.backend.task_cls.__table__, app.backend.taskset_cls.__table__):
                    table.drop(connection, checkfirst=True)
        if arg.get("queue"):
            import redis
            client = redis.Redis.from_url(app.conf.broker_url)
            client.delete(arg["queue"], "_kombu.binding." + arg["queue"])
            client.close()
        print(json.dumps({"ok": True}))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main()
