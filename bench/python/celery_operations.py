"""Times Celery's own result backend doing what resultkit's peer benchmark times, one call at
a time (Celery's backend API is synchronous), for bench/src/peers.bench.ts.

    celery_operations.py '<json settings>'     (see celery_bench_app.py)

redis:// and db+...: `store_result` of <ops> ids, then `get_task_meta` and `AsyncResult.get()` of
each. rpc://: `store_result` of <ops> results to this process's own reply queue (as a worker
answering this client), then `AsyncResult.get()` of each. After a warm-up; prints one JSON line
{"store": {"ops", "seconds"}, "meta": ..., "get": ...}. Redis keys it wrote are deleted here;
database tables are dropped by the caller; the rpc reply queue deletes itself.
"""
import json
import time

from celery import states
from celery.result import AsyncResult

from celery_bench_app import declare_reply_queue, delete_redis_keys, is_rpc, make_app, reply_request, settings

cfg = settings()
app = make_app(cfg)
backend = app.backend
ops, prefix, payload = cfg["ops"], cfg["prefix"], cfg["payload"]
rpc = is_rpc(cfg)
warm_ids = [f"{prefix}warm-{i}" for i in range(min(200, ops))]
ids = [f"{prefix}{i}" for i in range(ops)]


def store(task_id):
    request = reply_request(backend.oid, task_id) if rpc else None
    backend.store_result(task_id, payload, states.SUCCESS, request=request)


def get(task_id):
    value = AsyncResult(task_id, app=app).get(timeout=60)
    assert value == payload, value


def timed(op, task_ids):
    started = time.perf_counter()
    for task_id in task_ids:
        op(task_id)
    return {"ops": len(task_ids), "seconds": time.perf_counter() - started}


if rpc:
    declare_reply_queue(app)
for task_id in warm_ids:
    store(task_id)
for task_id in warm_ids:
    get(task_id)

out = {"store": timed(store, ids)}
if not rpc:
    # rpc://'s get_task_meta drains the reply queue rather than reading a stored state, so it is not timed.
    out["meta"] = timed(backend.get_task_meta, ids)
out["get"] = timed(get, ids)

if cfg["backend"].startswith("redis"):
    delete_redis_keys(backend, ids + warm_ids)
print(json.dumps(out))
