"""The demo's Python side: a Celery app whose tasks the Node app sends, storing their results
in the same result backend the Node app reads.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 RESULT_BACKEND=redis://127.0.0.1:6379/0 \
        celery -A demo_tasks worker -Q demo-celery

CELERY_QUEUE names the queue (default demo-celery).
"""
import os
import time

from celery import Celery

app = Celery(
    "demo_tasks",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13"),
    backend=os.environ.get("RESULT_BACKEND", "redis://127.0.0.1:6379/0"),
)
# JSON both ways: the Node app reads these results with its default serializer.
app.conf.task_serializer = app.conf.result_serializer = "json"
app.conf.accept_content = ["json"]
# Name, arguments and worker stored with each result, and STARTED recorded, as the Node
# workers do: the dashboard shows both kinds of job the same way.
app.conf.result_extended = True
app.conf.task_track_started = True
app.conf.task_default_queue = os.environ.get("CELERY_QUEUE", "demo-celery")
app.conf.broker_connection_retry_on_startup = True


@app.task(name="demo_tasks.divide")
def divide(a, b):
    """The same computation as the Node task: 1 / 0 raises Python's own ZeroDivisionError."""
    return a / b


@app.task(name="demo_tasks.countdown", bind=True)
def countdown(self, steps, delay_ms):
    """Reports PROGRESS with the same meta as the Node task."""
    for done in range(steps):
        self.update_state(state="PROGRESS", meta={"current": done, "total": steps})
        time.sleep(delay_ms / 1000)
    return f"counted {steps} steps in Python"
