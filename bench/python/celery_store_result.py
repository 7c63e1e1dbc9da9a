"""Times Celery's own Redis backend storing results, for bench/src/redis.bench.ts.

    celery_store_result.py <redis url> <ops> <key prefix> '<json payload>'

Runs `backend.store_result(task_id, payload, SUCCESS)` <ops> times in a row (Celery's backend
is synchronous: one request in flight), after a warm-up, and prints {"ops_per_second": ...}.
Every key it wrote is deleted before it exits.
"""
import json
import sys
import time

from celery import Celery, states

url, ops, prefix, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
app = Celery("bench", backend=url)
app.conf.update(result_serializer="json", accept_content=["json"], result_expires=3600)
backend = app.backend

ids = [f"{prefix}{i}" for i in range(ops)]
for i in range(min(500, ops)):
    backend.store_result(f"{prefix}warm-{i}", payload, states.SUCCESS)
started = time.perf_counter()
for task_id in ids:
    backend.store_result(task_id, payload, states.SUCCESS)
seconds = time.perf_counter() - started

client = backend.client
keys = [backend.get_key_for_task(t) for t in ids] + [backend.get_key_for_task(f"{prefix}warm-{i}") for i in range(min(500, ops))]
for i in range(0, len(keys), 1000):
    client.delete(*keys[i:i + 1000])
print(json.dumps({"ops": ops, "seconds": seconds, "ops_per_second": ops / seconds}))
