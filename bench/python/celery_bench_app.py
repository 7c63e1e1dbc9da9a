"""The Celery app the peer benchmarks share: one place that turns the settings Node passes in
(a JSON object on the command line) into a configured app, so every runner measures Celery as
the same user would set it up.

Settings: backend (a Celery result backend URL), broker (the AMQP URL, for rpc://), tables
({"task", "group"}) and schema (database backend only), ops, prefix (of task ids), payload.
"""
import json
import sys
from types import SimpleNamespace

from celery import Celery


def settings():
    return json.loads(sys.argv[-1])


def make_app(cfg):
    app = Celery("bench", backend=cfg["backend"], broker=cfg.get("broker"))
    conf = {
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "result_expires": 3600,
    }
    if cfg.get("tables"):
        conf["database_table_names"] = cfg["tables"]
        if cfg.get("schema"):
            conf["database_table_schemas"] = {"task": cfg["schema"], "group": cfg["schema"]}
    app.conf.update(conf)
    if cfg["backend"].startswith("db+"):
        pool_sessions()
    return app


def pool_sessions():
    """Puts Celery's database sessions in the mode a prefork worker's child process has.

    Outside a forked process Celery's SessionManager makes a new engine with NullPool for every
    session, so each call opens a new database connection; after a fork it keeps one pooled
    engine. The benchmark measures the backend, not connection setup, so it uses the pooled mode.
    """
    from celery.backends.database import DatabaseBackend

    DatabaseBackend.ResultSession.__defaults__[0]._after_fork()


def is_rpc(cfg):
    return cfg["backend"].startswith("rpc")


def reply_request(reply_to, task_id):
    """What a worker's task request carries for rpc://: where the result goes, and its correlation id."""
    return SimpleNamespace(reply_to=reply_to, correlation_id=task_id, children=[], group=None, parent_id=None)


def declare_reply_queue(app):
    """Declares this client's rpc:// reply queue, as Celery does before it sends a task: a result
    published to a queue that does not exist yet is dropped by the broker."""
    with app.producer_or_acquire() as producer:
        app.backend.on_task_call(producer, None)


def delete_redis_keys(backend, ids):
    keys = [backend.get_key_for_task(t) for t in ids]
    for i in range(0, len(keys), 1000):
        backend.client.delete(*keys[i:i + 1000])
