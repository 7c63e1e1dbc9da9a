"""Sends one task to the Node workers and waits for its result, as any Python Celery client does:

    python3 send_to_node.py divide 9 3

Arguments are JSON. Prints one JSON line: the id, the state, and the result or the exception.
CELERY_NODE_QUEUE names the Node workers' queue (default demo-node); broker and backend as for
demo_tasks.py.
"""
import json
import os
import sys

from demo_tasks import app


def main():
    name, *args = sys.argv[1:]
    result = app.send_task(f"demo.{name}", args=[json.loads(arg) for arg in args], queue=os.environ.get("CELERY_NODE_QUEUE", "demo-node"))
    try:
        value = result.get(timeout=20)
        print(json.dumps({"id": result.id, "state": result.state, "result": value}))
    except Exception as error:  # the task's own exception, rebuilt by Celery from the stored result
        print(json.dumps({"id": result.id, "state": result.state, "exc_type": type(error).__name__, "message": str(error)}))


if __name__ == "__main__":
    main()
