"""The Celery setup: a real worker process answers through the configured broker."""

from django.conf import settings

from cse_portal.celery import app, ping
from tests.worker import celery_worker_process  # noqa: F401 - a fixture


def test_a_real_worker_answers(celery_worker_process):  # noqa: F811
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    assert result.successful()


def test_reliability_settings():
    conf = app.conf
    assert conf.task_always_eager is False
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit > 0
    if settings.CELERY_BROKER_URL.startswith("redis"):
        # A task not acknowledged within the visibility timeout is delivered again: it must
        # outlast the longest task.
        assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
        # A broker that drops packets holds a request no longer than a few seconds.
        assert 0 < conf.broker_transport_options["socket_connect_timeout"] <= 5
