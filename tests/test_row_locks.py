"""A service locks the rows it means to change, and only those.

``select_for_update()`` locks a row of every table its query joins, and a query joins more
than it says: ``first()`` sorts by the model's ordering, which for a year follows its
organisation (by name), for an evidence link its year and its element of the standard. A
check that a year is open then locked the organisation's row, and linking an item locked the
standard's element, which every organisation shares. Every lock names the rows it locks
(``of=("self",)``), which these tests hold to: in the code, and on PostgreSQL.
"""

import ast
import contextvars
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from assessments.services import check_open
from evidence import services as evidence_services
from evidence.models import EvidenceLink
from tests.factories import EvidenceFactory

ROOT = Path(settings.BASE_DIR)
SKIPPED = {".venv", "tests", "migrations", "node_modules", "static", "var", "bench"}


def lock_calls() -> list[tuple[str, int, bool]]:
    """(file, line, whether it names ``of``) of every select_for_update call in the app."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if SKIPPED & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
            ):
                names_of = any(keyword.arg == "of" for keyword in node.keywords)
                found.append((str(path.relative_to(ROOT)), node.lineno, names_of))
    return found


def test_every_lock_names_the_rows_it_locks():
    calls = lock_calls()
    assert len(calls) > 15  # the walk finds the services' locks
    unnamed = [f"{path}:{line}" for path, line, names_of in calls if not names_of]
    assert not unnamed, "select_for_update() without of=('self',): " + ", ".join(unnamed)


def locked_elsewhere(table: str, pk: int) -> bool:
    """Whether another connection finds the row locked (FOR UPDATE NOWAIT fails)."""
    outcome: list[bool] = []

    def look() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '50ms'")
                try:
                    cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
                    outcome.append(False)
                except Exception as error:  # noqa: BLE001 - LockNotAvailable, wrapped by Django
                    assert "could not obtain lock" in str(error), error
                    outcome.append(True)
                    raise
        except Exception:  # noqa: BLE001 - the rollback of the failed try
            pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=contextvars.copy_context().run, args=(look,))
    thread.start()
    thread.join(10)
    assert outcome, "the other connection did not answer"
    return outcome[0]


postgresql_only = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite has no row locks",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_checking_a_year_locks_the_year_not_its_organisation(y2018):
    with transaction.atomic():
        check_open(y2018)
        assert locked_elsewhere("assessments_assessment", y2018.pk)
        assert not locked_elsewhere("organisations_organisation", y2018.organisation_id)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_linking_an_item_locks_no_element_of_the_standard(y2018, seeded, element, lead):
    item = EvidenceFactory(organisation=y2018.organisation)
    evidence_services.link(item, y2018, element, acting_user=lead)
    with transaction.atomic():
        # Linking again reads the link under a lock (and confirms it).
        evidence_services.link(item, y2018, element, acting_user=lead, note="Again")
        link = EvidenceLink.objects.get(evidence=item, assessment=y2018, element=element)
        assert locked_elsewhere("evidence_evidencelink", link.pk)
        assert not locked_elsewhere("standards_element", element.pk)
        assert not locked_elsewhere("organisations_organisation", y2018.organisation_id)
