"""The Celery application: configured from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")

app = Celery("cse_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="cse_portal.ping")
def ping() -> str:
    """A no-op round trip, used by health checks and the worker test."""
    return "pong"
