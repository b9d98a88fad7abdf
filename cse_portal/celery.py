"""The Celery application: configured from Django settings (``CELERY_*``)."""

import os
from contextlib import ExitStack

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")

app = Celery("cse_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="cse_portal.ping")
def ping() -> str:
    """A no-op round trip, used by health checks and the worker test."""
    return "pong"


# Each task runs in no tenant's context (organisations.tenancy.isolated), entered when it
# starts and left when it ends, by task id: it says whose data it works on (``tenant``) or why
# it crosses tenants (``all_tenants``) before it reads any, and leaves nothing on the process's
# kept connection for the next task.
_task_contexts: dict[str, ExitStack] = {}


@signals.task_prerun.connect
def _task_starts_in_no_tenant(task_id=None, **kwargs) -> None:
    from organisations import tenancy

    stack = ExitStack()
    stack.enter_context(tenancy.isolated())
    _task_contexts[task_id] = stack


@signals.task_postrun.connect
def _task_leaves_its_context(task_id=None, **kwargs) -> None:
    stack = _task_contexts.pop(task_id, None)
    if stack is not None:
        stack.close()
