"""The Python side of the migration round trip (interop/migrate/python-roundtrip.test.ts).

    migrate_roundtrip.py <command> '<json argument>'

Configured from the environment, so the same script writes to a source and reads a target:
  RT_BACKEND     result backend URL (redis://..., db+postgresql://..., db+sqlite:///...)
  RT_SERIALIZER  result_serializer (json or pickle; the SQL result column is pickled either way)
  RT_TASKS       task table name (database backends)
  RT_GROUPS      group table name (database backends)
  RT_SCHEMA      optional schema of both tables (so Celery's sequences are the suite's own)

  write  {"prefix", "plain", "exclude"}  stores one result per case with Celery's own backend and saves
                              a group ("plain": only values kombu 5.2's JSON keeps; "exclude": keys
                              of the values to leave out)                            -> {"ids": [...], "group_id"}
  dump   {"ids", "group_id"}  what Python reads back for each, as canonical text      -> {"results": {...}, "group": [...]}
  setup  {}                   creates RT_SCHEMA, and Celery's tables in it               -> {"ok": true}
  teardown {}                 drops RT_SCHEMA and everything in it                       -> {"ok": true}
"""
import datetime
import decimal
import json
import os
import sys
import uuid

from celery import Celery, states
from celery.app.task import Context
from celery.result import AsyncResult, GroupResult

SERIALIZER = os.environ.get("RT_SERIALIZER", "json")
app = Celery("migrate_roundtrip", backend=os.environ["RT_BACKEND"])
app.conf.update(
    result_serializer=SERIALIZER,
    accept_content=["json", "pickle"],
    result_accept_content=["json", "pickle"],
    result_extended=True,
    result_expires=3600,
    database_table_names={"task": os.environ.get("RT_TASKS", "celery_taskmeta"), "group": os.environ.get("RT_GROUPS", "celery_tasksetmeta")},
)
SCHEMA = os.environ.get("RT_SCHEMA") or None
if SCHEMA:
    app.conf.database_table_schemas = {"task": SCHEMA, "group": SCHEMA}


class QuotaExceeded(Exception):
    """A user-defined exception whose arguments are not all text."""


AWARE = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
NAIVE = datetime.datetime(2025, 12, 31, 23, 59, 59, 999999)


def values(plain):
    """The values that must survive; `plain`: only what kombu 5.2's JSON keeps as it is."""
    common = {
        "float_three": 3.0,
        "int_three": 3,
        "big": 2 ** 70 + 1,
        "negative_big": -(2 ** 65),
        "text": "héllo ✓ 日本",
        "nested": {"list": [1, 2.5, None, True, -0.0], "empty": {}},
    }
    if plain:
        return common
    return {
        **common,
        "aware": AWARE,
        "naive": NAIVE,
        "raw": b"\x00\xff\x80 bytes",
        "amount": decimal.Decimal("1.10"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "pair": (1, "two", (3.0,)),
        "day": datetime.date(2026, 2, 28),
    }


def raised(exc):
    """The exception with a real traceback, as a worker would store it."""
    try:
        raise exc
    except BaseException as e:  # noqa: B902
        import traceback
        return e, traceback.format_exc()


def write(prefix, plain, exclude=()):
    backend = app.backend
    ids = []

    def tid(name):
        ids.append(f"{prefix}-{name}")
        return ids[-1]

    backend.store_result(tid("values"), {k: v for k, v in values(plain).items() if k not in exclude}, states.SUCCESS)
    backend.store_result(tid("float"), 3.0, states.SUCCESS)
    backend.store_result(tid("int"), 3, states.SUCCESS)
    backend.store_result(tid("list"), [1, 2.0, "3"] if plain else (1, 2.0, "3"), states.SUCCESS)
    args = ("over quota", 7, 3.0) if plain else ("over quota", 7, 3.0, decimal.Decimal("0.5"), AWARE)
    exc, tb = raised(QuotaExceeded(*args))
    backend.mark_as_failure(tid("custom"), exc, traceback=tb)
    exc, tb = raised(KeyError("first attempt"))
    backend.mark_as_retry(tid("retry"), exc, traceback=tb)
    backend.mark_as_revoked(tid("revoked"), "terminated")
    backend.mark_as_started(tid("started"), pid=4242, hostname="py@host")
    backend.store_result(tid("progress"), {"current": 3, "total": 10.0}, "PROGRESS")
    # Extended fields, and a parent, a group and a child, as a worker running inside a canvas stores them.
    request = Context(
        id=f"{prefix}-extended",
        task="tasks.add",
        args=[2, 3.0] if plain else (2, 3.0),
        kwargs={"note": "ünï", "scale": 1.0},
        hostname="py@host",
        retries=1,
        delivery_info={"routing_key": "celery"},
        group=f"{prefix}-group",
        parent_id=f"{prefix}-parent",
    )
    # A child task it started (Context keeps children in a per-request list of its own).
    request.children.append(AsyncResult(f"{prefix}-child", app=app))
    backend.store_result(tid("extended"), 5.0, states.SUCCESS, request=request)
    group_id = f"{prefix}-group"
    GroupResult(group_id, [AsyncResult(i, app=app) for i in ids[:3]], app=app).save()
    return ids, group_id


def canonical_date(value):
    """date_done as one text whatever the store gave back (Redis: ISO text; SQL: a datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.isoformat()


def describe(value):
    """A value as Python sees it: repr, and for an exception its class, module and arguments."""
    if isinstance(value, BaseException):
        return f"{type(value).__module__}.{type(value).__qualname__}{value.args!r}"
    return repr(value)


def dump(task_id):
    result = AsyncResult(task_id, app=app)
    meta = app.backend.get_task_meta(task_id)
    out = {
        "state": result.state,
        "result": describe(result.result),
        "traceback": result.traceback,
        "date_done": canonical_date(meta.get("date_done")),
    }
    for key in ("name", "args", "kwargs", "worker", "retries", "queue", "group_id", "parent_id"):
        out[key] = repr(meta.get(key))
    # None and [] mean the same to Celery (and the database backend stores no children at all).
    out["children"] = repr(meta.get("children") or [])
    return out


def main():
    command = sys.argv[1]
    arg = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if command == "write":
        ids, group_id = write(arg["prefix"], arg.get("plain", False), arg.get("exclude", ()))
        print(json.dumps({"ids": ids, "group_id": group_id}))
    elif command == "dump":
        restored = GroupResult.restore(arg["group_id"], app=app)
        print(json.dumps({
            "results": {i: dump(i) for i in arg["ids"]},
            "group": [r.id for r in restored.results] if restored else None,
        }))
    elif command in ("setup", "teardown"):
        import sqlalchemy as sa
        engine = sa.create_engine(os.environ["RT_BACKEND"].replace("db+", "", 1))
        quoted = engine.dialect.identifier_preparer.quote(SCHEMA)
        with engine.begin() as connection:
            if command == "setup":
                connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
            else:
                connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {quoted} CASCADE"))
        engine.dispose()
        if command == "setup":
            # Celery creates its tables on first use: these are the ones this Celery version has.
            app.backend.get_task_meta("setup-probe")
        print(json.dumps({"ok": True}))
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main()
