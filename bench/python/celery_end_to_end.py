"""One side of Celery's worker -> client path for bench/src/e2e.bench.ts: two processes, one
storing results with Celery's backend as a worker does, one awaiting them with
`AsyncResult.get()` as a client does, both one call at a time (Celery's API is synchronous).

    celery_end_to_end.py client '<json settings>'
    celery_end_to_end.py worker '<json settings, with "reply_to" for rpc://>'

Each side sets up, reads or writes once to open its connections, prints {"ready": ...} and
waits for a line on stdin; then the worker stores <ops> results and the client awaits them in
the same order, and each prints {"ops", "seconds"}. Nothing is deleted here: the caller
removes the keys, drops the tables, and the rpc reply queue deletes itself.
"""
import json
import sys
import time

from celery import states
from celery.result import AsyncResult

from celery_bench_app import declare_reply_queue, is_rpc, make_app, reply_request, settings

role = sys.argv[1]
cfg = settings()
app = make_app(cfg)
backend = app.backend
ops, prefix, payload = cfg["ops"], cfg["prefix"], cfg["payload"]
rpc = is_rpc(cfg)
ids = [f"{prefix}{i}" for i in range(ops)]


def say(message):
    print(json.dumps(message), flush=True)


if role == "client":
    if rpc:
        declare_reply_queue(app)
    else:
        # Opens the connection (and on a database creates the tables) before the clock starts.
        backend.get_task_meta(f"{prefix}warm")
    say({"ready": True, "reply_to": backend.oid if rpc else None})
    sys.stdin.readline()
    started = time.perf_counter()
    for task_id in ids:
        value = AsyncResult(task_id, app=app).get(timeout=120)
        assert value == payload, value
    say({"ops": ops, "seconds": time.perf_counter() - started})
else:
    reply_to = cfg.get("reply_to")
    request = (lambda task_id: reply_request(reply_to, task_id)) if rpc else (lambda task_id: None)
    if rpc:
        with app.producer_or_acquire():
            pass
    else:
        backend.get_task_meta(f"{prefix}warm")
    say({"ready": True})
    sys.stdin.readline()
    started = time.perf_counter()
    for task_id in ids:
        backend.store_result(task_id, payload, states.SUCCESS, request=request(task_id))
    say({"ops": ops, "seconds": time.perf_counter() - started})
