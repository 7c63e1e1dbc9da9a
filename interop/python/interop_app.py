"""A Celery app for the interop suites: real Celery (Debian's python3-celery 5.2) on one side,
resultkit on the other.

Configured from the environment so each suite can point it at its own broker and backend:
  INTEROP_BROKER    broker URL (default redis://127.0.0.1:6379/10: no RabbitMQ needed)
  INTEROP_BACKEND   result backend URL (default redis://127.0.0.1:6379/11)
  INTEROP_EXTENDED  "1" for result_extended (default "1")
  INTEROP_SERIALIZER  result_serializer, also the only accepted result content (default "json")
"""
import json
import os
import time

import redis
from celery import Celery

BROKER = os.environ.get("INTEROP_BROKER", "redis://127.0.0.1:6379/10")
BACKEND = os.environ.get("INTEROP_BACKEND", "redis://127.0.0.1:6379/11")
RESULT_SERIALIZER = os.environ.get("INTEROP_SERIALIZER", "json")

app = Celery("interop_app", broker=BROKER, backend=BACKEND)
app.conf.update(
    result_serializer=RESULT_SERIALIZER,
    task_serializer="json",
    accept_content=["json"],
    result_accept_content=[RESULT_SERIALIZER],
    result_extended=os.environ.get("INTEROP_EXTENDED", "1") == "1",
    task_track_started=True,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    task_default_queue=os.environ.get("INTEROP_QUEUE", "celery"),
    # No pidbox or event keys in the broker: the suites start workers with their own queues
    # and leave nothing behind.
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


@app.task
def sleep_then_return(seconds, value):
    time.sleep(seconds)
    return value


@app.task
def node_task(*args, **kwargs):
    """Never run by Python: it is routed to a queue only the Node side consumes."""
    raise RuntimeError("node_task must be run by the Node worker")


@app.task
def collect(results, counter_key):
    """A chord body that records every run: INCR <counter_key> and keeps the results it got."""
    client = redis.Redis.from_url(BACKEND)
    try:
        client.incr(counter_key)
        client.rpush(counter_key + ":results", json.dumps(results))
        client.expire(counter_key, 3600)
        client.expire(counter_key + ":results", 3600)
    finally:
        client.close()
    return results
