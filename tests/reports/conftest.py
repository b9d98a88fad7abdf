"""Fixtures the report tests share. None is autouse: the worker tests need the default
MEDIA_ROOT (the worker process reads the same storage) and the seeded ``y2018``.

- ``media``: MEDIA_ROOT in the test's own folder (the page tests opt in with
  ``pytest.mark.usefixtures("media")``);
- ``bare_y2018``: a 2018 year of ``org`` with no results (the page tests need no more, and
  the seeded ``y2018`` of tests/conftest.py imports five years);
- ``sent``: the messages of the module's ``task`` (a fixture each module that uses ``sent``
  gives), recorded instead of sent to a broker;
- ``celery_worker_process``: a real Celery worker for the session (tests/worker.py).
"""

import pytest

from tests.factories import AssessmentFactory
from tests.worker import celery_worker_process  # noqa: F401 - a fixture of this folder


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def bare_y2018(org):
    return AssessmentFactory(organisation=org, year=2018)


@pytest.fixture
def sent(task, monkeypatch) -> list[tuple]:
    """The task messages sent on commit (no broker needed)."""
    messages = []
    monkeypatch.setattr(task, "delay", lambda *args: messages.append(args))
    return messages
