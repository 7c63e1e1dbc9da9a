"""The interop app on Celery's file-system result backend, for interop/fs: interop_app's tasks
(INTEROP_BACKEND=file:///dir), plus one whose RETRY state lasts long enough to be read."""
from interop_app import app  # noqa: F401  (the worker's -A fs_app finds it here)


@app.task(bind=True, max_retries=3)
def retry_later(self, value):
    if self.request.retries == 0:
        raise self.retry(exc=KeyError("first attempt"), countdown=1)
    return {"value": value, "retries": self.request.retries}
