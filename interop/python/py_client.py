"""The Python side of the interop suites, as a command-line tool that speaks JSON.

    py_client.py <command> '<json argument>'

Prints one JSON document per line on stdout. Commands:
  send      {"tasks": [{"task", "args", "kwargs", "queue", "task_id"}]} -> {"ids": [...]}
  group     {"tasks": [...], "save": true}                          -> {"group_id", "ids"}
  chord     {"header": [...], "body": {...}}                        -> {"group_id", "header_ids", "body_id"}
  read      {"ids": [...]}                                          -> {"results": [{...}, ...]}  (state, result, traceback, ...)
  get       {"id", "timeout"}                                       -> {"waiting": true}, then {...} once get() returns
  call      {"tasks": [...], "timeout"}                             -> {"results": [{...}, ...]}  (sent and awaited here: rpc://)
  restore   {"group_id", "timeout"}                                 -> {"found", "ids", "results"}
"""
import json
import sys

from celery.result import AsyncResult, GroupResult
from celery import chord, group, signature

import interop_app  # noqa: F401  (registers the tasks and their exception classes)
from interop_app import app


def sig(spec):
    options = {}
    if spec.get("queue"):
        options["queue"] = spec["queue"]
    if spec.get("task_id"):
        options["task_id"] = spec["task_id"]
    return signature(spec["task"], args=spec.get("args", []), kwargs=spec.get("kwargs", {}), app=app, **options)


def exception_info(exc):
    return {"type": type(exc).__name__, "module": type(exc).__module__, "args": [safe(a) for a in exc.args], "repr": repr(exc)}


def safe(value):
    if isinstance(value, BaseException):
        return {"exception": exception_info(value)}
    if isinstance(value, (list, tuple)):
        return [safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): safe(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"repr": repr(value)}


def describe(result):
    state = result.state
    value = result.result
    info = {
        "id": result.id,
        "state": state,
        "ready": result.ready(),
        "successful": result.successful(),
        "failed": result.failed(),
        "result": None if isinstance(value, BaseException) else safe(value),
        "exception": exception_info(value) if isinstance(value, BaseException) else None,
        "traceback": result.traceback,
        "date_done": result.date_done.isoformat() if hasattr(result.date_done, "isoformat") else result.date_done,
    }
    meta = result._get_task_meta()
    for key in ("name", "args", "kwargs", "worker", "retries", "queue", "group_id", "parent_id", "children"):
        info[key] = safe(meta.get(key))
    return info


def emit(document):
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def main():
    command = sys.argv[1]
    arg = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if command == "send":
        emit({"ids": [sig(spec).apply_async().id for spec in arg["tasks"]]})
    elif command == "group":
        result = group([sig(spec) for spec in arg["tasks"]]).apply_async()
        if arg.get("save"):
            result.save()
        emit({"group_id": result.id, "ids": [r.id for r in result.results]})
    elif command == "chord":
        result = chord([sig(spec) for spec in arg["header"]], sig(arg["body"])).apply_async()
        emit({"group_id": result.parent.id, "header_ids": [r.id for r in result.parent.results], "body_id": result.id})
    elif command == "read":
        emit({"results": [describe(AsyncResult(task_id, app=app)) for task_id in arg["ids"]]})
    elif command == "get":
        result = AsyncResult(arg["id"], app=app)
        emit({"waiting": True})
        try:
            value = result.get(timeout=arg.get("timeout", 10), propagate=False)
            emit({"got": safe(value) if not isinstance(value, BaseException) else None, **describe(result)})
        except Exception as exc:  # the timeout
            emit({"error": exception_info(exc)})
    elif command == "call":
        # Over rpc:// only the process that sent a task can read its result, so send and wait here.
        sent = [sig(spec).apply_async() for spec in arg["tasks"]]
        for result in sent:
            try:
                result.get(timeout=arg.get("timeout", 10), propagate=False)
            except Exception:  # the timeout: describe() then shows the state it has
                pass
        emit({"results": [describe(result) for result in sent]})
    elif command == "restore":
        restored = GroupResult.restore(arg["group_id"], app=app)
        if restored is None:
            emit({"found": False})
        else:
            values = restored.join(timeout=arg.get("timeout", 10), propagate=False)
            emit({"found": True, "ids": [r.id for r in restored.results], "results": safe(values)})
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    main()
