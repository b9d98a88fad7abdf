"""Saves that meet: nothing lost, nothing misrecorded.

- A save changes only the fields it was sent (the grid sends the rating alone), from the row
  as it is stored when the save runs, not as the caller read it: two saves of one result never
  overwrite each other's fields.
- The history row of a save or an import is the stored row, whatever ran in between.
- "Is this year open?" is asked of the stored status, under a lock held until the write: a year
  finalised in the meantime refuses the write.
- The answer to an in-place save of the grid shows what is stored, and the progress box above
  the grid with the new counts.

Each rule is checked twice: deterministically, with stale in-memory copies in one thread, and
with real concurrency (threads, each with its own database connection) on a transactional
database, where PostgreSQL's row locks are what keeps the writes apart.
"""

import contextvars
import threading
import time
from collections.abc import Callable

import pytest
from django.db import (
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, ElementResult
from assessments.services import YearLocked, check_open, set_self_assessment
from evidence import services as evidence_services
from evidence.models import EvidenceLink
from reports import services as annex_one_services
from reports.annex_one import parse_annex_one
from reports.services import apply_annex_one
from standards.models import Element
from tests.factories import EvidenceFactory

HX = {"HX-Request": "true"}
COMPARED = ["self_rating", "self_notes", "rating", "sampled", "comment", "carried_forward"]


def stored(result: ElementResult) -> dict:
    return dict(ElementResult.objects.filter(pk=result.pk).values(*COMPARED).get())


def latest_history(result: ElementResult) -> dict:
    row = ElementResult.history.filter(id=result.pk).order_by("-history_id").first()
    return {name: getattr(row, name) for name in COMPARED}


def copy_of(assessment: Assessment, ref: str) -> ElementResult:
    """A fresh in-memory copy of the result, as a view reads it."""
    return ElementResult.objects.select_related("assessment", "element").get(
        assessment=assessment, element__ref=ref
    )


def import_2018(organisation, lines: str, acting_user=None):
    refs = set(Element.objects.values_list("ref", flat=True))
    return apply_annex_one(
        organisation, parse_annex_one(f"ref,2018\n{lines}", refs), acting_user=acting_user
    )


def assert_history_matches_every_stored_row(assessment: Assessment) -> None:
    mismatched = [
        (result.element.ref, latest_history(result), stored(result))
        for result in ElementResult.objects.filter(assessment=assessment).select_related("element")
        if latest_history(result) != stored(result)
    ]
    assert not mismatched, mismatched


# --- one thread, stale copies ----------------------------------------------------------------


@pytest.mark.django_db
class TestStaleCopies:
    def test_a_grid_save_keeps_the_notes_saved_since_it_read_the_row(self, y2018, lead):
        grid_copy, page_copy = copy_of(y2018, "1.1.1"), copy_of(y2018, "1.1.1")
        assert set_self_assessment(
            page_copy, acting_user=lead, self_rating="C", self_notes="Notes from the element page"
        )
        # The grid read the row before that save, and sends the rating alone.
        assert set_self_assessment(grid_copy, acting_user=lead, self_rating="PC")
        result = copy_of(y2018, "1.1.1")
        assert (result.self_rating, result.self_notes) == ("PC", "Notes from the element page")
        # The caller's copy now holds what is stored, for the answer to show.
        assert (grid_copy.self_rating, grid_copy.self_notes) == (
            "PC",
            "Notes from the element page",
        )
        assert latest_history(result) == stored(result)

    def test_a_save_of_the_notes_alone_keeps_the_rating(self, y2018, lead):
        first, second = copy_of(y2018, "1.1.2"), copy_of(y2018, "1.1.2")
        set_self_assessment(first, acting_user=lead, self_rating="CP")
        assert set_self_assessment(second, acting_user=lead, self_notes="Only the notes")
        result = copy_of(y2018, "1.1.2")
        assert (result.self_rating, result.self_notes) == ("CP", "Only the notes")
        assert latest_history(result) == stored(result)

    def test_a_save_that_sends_what_is_stored_writes_nothing(self, y2018, lead):
        first, second = copy_of(y2018, "1.1.3"), copy_of(y2018, "1.1.3")
        set_self_assessment(first, acting_user=lead, self_rating="C", self_notes="Same")
        history = ElementResult.history.count()
        # The stale copy still says blank, but the stored row already has these values.
        assert not set_self_assessment(second, acting_user=lead, self_rating="C", self_notes="Same")
        assert not set_self_assessment(second, acting_user=lead)
        assert ElementResult.history.count() == history

    def test_the_save_history_carries_the_stored_assessor_rating(self, y2018, seeded, lead):
        stale = copy_of(y2018, "1.1.1")
        assert stale.rating == "CP"
        import_2018(seeded, "1.1.1,NC\n")  # the assessor's mark changes after the lead read
        set_self_assessment(stale, acting_user=lead, self_rating="C")
        result = copy_of(y2018, "1.1.1")
        assert (result.rating, result.self_rating) == ("NC", "C")
        assert latest_history(result) == stored(result)

    def test_a_year_finalised_after_it_was_read_refuses_the_save(self, y2018, lead):
        stale = copy_of(y2018, "1.1.1")
        Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
        history = ElementResult.history.count()
        with pytest.raises(YearLocked, match="2018 is finalised"):
            set_self_assessment(stale, acting_user=lead, self_rating="C", self_notes="Too late")
        assert stale.assessment.is_finalised  # the status was read again
        assert (copy_of(y2018, "1.1.1").self_notes, ElementResult.history.count()) == (
            "",
            history,
        )

    def test_check_open_reads_the_stored_status(self, y2018):
        check_open(y2018)
        Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
        assert not y2018.is_finalised
        with pytest.raises(YearLocked) as refused:
            check_open(y2018)
        assert str(refused.value.args[0]).startswith("2018 is finalised")
        assert y2018.is_finalised

    def test_evidence_services_refuse_a_year_finalised_after_it_was_read(
        self, y2018, seeded, element, lead
    ):
        item = EvidenceFactory(organisation=seeded, title="Board minutes")
        existing = EvidenceLink.objects.create(
            evidence=item, assessment=y2018, element=element, note="Kept"
        )
        Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
        other = EvidenceFactory(organisation=seeded, title="Survey")
        attempts: list[Callable[[], object]] = [
            lambda: evidence_services.link(other, y2018, element, acting_user=lead),
            lambda: evidence_services.update_link_note(existing, "Changed", acting_user=lead),
            lambda: evidence_services.confirm_link(existing, acting_user=lead),
            lambda: evidence_services.unlink(existing, acting_user=lead),
        ]
        for attempt in attempts:
            y2018.status = Assessment.Status.ASSESSOR_REVIEW  # the caller's stale copy
            with pytest.raises(YearLocked):
                attempt()
        assert list(EvidenceLink.objects.filter(assessment=y2018).values_list("note")) == [
            ("Kept",)
        ]

    def test_check_open_locks_the_assessment_row(self, y2018):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            check_open(y2018)
        [query] = queries.captured_queries
        assert '"assessments_assessment"' in query["sql"]
        if connection.features.has_select_for_update:
            assert "FOR UPDATE" in query["sql"]


# --- the HTMX answer shows what is stored ----------------------------------------------------


@pytest.mark.django_db
class TestTheAnswerOfAGridSave:
    def path(self, assessment: Assessment, ref: str) -> str:
        return reverse("org:self-assessment", args=[assessment.organisation.slug, 2018, ref])

    def test_it_shows_the_stored_rating_and_the_new_progress(self, client, y2018, lead):
        client.force_login(lead)
        grid = client.get(reverse("org:year", args=[y2018.organisation.slug, 2018]))
        assert grid.context["grid"].progress.self_rated == 0
        page = grid.content.decode()
        assert 'id="grid-progress"' in page and "0 self-rated" in page
        response = client.post(
            self.path(y2018, "1.1.1"), {"self_rating": "PC", "layout": "grid"}, headers=HX
        )
        answer = response.content.decode()
        assert '<option value="PC" selected>' in answer and "Saved" in answer
        # The progress box, out of band, with the counts after the save.
        assert 'id="grid-progress"' in answer and 'hx-swap-oob="true"' in answer
        assert "1 self-rated" in answer
        response = client.post(
            self.path(y2018, "1.1.2"), {"self_rating": "C", "layout": "grid"}, headers=HX
        )
        assert "2 self-rated" in response.content.decode()

    def test_it_shows_a_rating_stored_by_another_save_in_the_meantime(
        self, client, y2018, lead, monkeypatch
    ):
        """The view read the row; another save changed it before this one ran: the answer
        shows the stored row (this save's rating, the other's notes), not the view's copy."""
        real = services.set_self_assessment

        def other_save_first(result, *args, **kwargs):
            real(
                copy_of(y2018, "1.1.1"),
                acting_user=lead,
                self_rating="CP",
                self_notes="Written by the element page",
            )
            return real(result, *args, **kwargs)

        monkeypatch.setattr(services, "set_self_assessment", other_save_first)
        client.force_login(lead)
        response = client.post(
            self.path(y2018, "1.1.1"), {"self_rating": "NC", "layout": "grid"}, headers=HX
        )
        assert '<option value="NC" selected>' in response.content.decode()
        result = copy_of(y2018, "1.1.1")
        assert (result.self_rating, result.self_notes) == ("NC", "Written by the element page")

    def test_the_element_page_answer_has_no_progress_box(self, client, y2018, lead):
        """The element page has no progress box: an out-of-band swap would find no target."""
        client.force_login(lead)
        response = client.post(
            self.path(y2018, "1.1.1"),
            {"self_rating": "PC", "self_notes": "n", "layout": "element"},
            headers=HX,
        )
        assert "Saved" in response.content.decode()
        assert "grid-progress" not in response.content.decode()


# --- real concurrency ------------------------------------------------------------------------


def waiting_for_sqlite(target: Callable[[], object], patience: float = 10) -> object:
    """``target()``; on SQLite, again while another connection holds the database.

    The SQLite test database lives in memory, shared by the threads' connections through one
    cache, whose table locks fail at once ("database table is locked") where a database file
    waits (``busy_timeout``, as the app runs). Trying again until the other transaction ends
    is that wait: every target is one transaction (or starts with one), so a failed try wrote
    nothing. PostgreSQL waits on its row locks by itself and never gets here.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            return target()
        except OperationalError as error:
            locked = connection.vendor == "sqlite" and "locked" in str(error)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def run_threads(*targets: Callable[[], object], timeout: float = 30) -> list[object]:
    """Run each target in its own thread (its own database connection); their results, or
    the exception each raised."""
    results: list[object] = [None] * len(targets)

    def run(index: int, target: Callable[[], object]) -> None:
        try:
            results[index] = waiting_for_sqlite(target)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    # Each thread runs in a copy of the test's context (organisations.tenancy: test code
    # crosses tenants), which a new thread would not have.
    threads = [
        threading.Thread(
            target=contextvars.copy_context().run, args=(run, index, target), daemon=True
        )
        for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread is stuck (a deadlock?)"
    return results


def raised(results: list[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, YearLocked)]


concurrent = pytest.mark.django_db(transaction=True)


@concurrent
def test_a_grid_save_and_an_element_save_at_the_same_moment_keep_both(y2018, lead, monkeypatch):
    """Both views have read the row before either saves (a barrier holds them); the grid's
    save runs a moment later, as in the defect: its answer and the stored row keep the notes."""
    org = y2018.organisation
    real = services.set_self_assessment
    barrier = threading.Barrier(2, timeout=10)
    this_thread = threading.local()  # a new one in each round's threads

    def after_both_have_read(result, *args, **kwargs):
        if not getattr(this_thread, "waited", False):  # not again if SQLite makes it retry
            this_thread.waited = True
            barrier.wait()
        rating = kwargs.get("self_rating")
        if rating == "PC":  # the grid's save: a moment later
            time.sleep(0.05)
        return real(result, *args, **kwargs)

    monkeypatch.setattr(services, "set_self_assessment", after_both_have_read)
    grid_client, page_client = Client(), Client()
    grid_client.force_login(lead)
    page_client.force_login(lead)
    path = reverse("org:self-assessment", args=[org.slug, 2018, "1.1.1"])

    for round_ in range(6):
        ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(
            self_rating="", self_notes=""
        )
        barrier.reset()
        grid, page = run_threads(
            lambda: grid_client.post(path, {"self_rating": "PC", "layout": "grid"}, headers=HX),
            lambda r=round_: page_client.post(
                path,
                {"self_rating": "C", "self_notes": f"Round {r}", "layout": "element"},
                headers=HX,
            ),
        )
        assert not raised([grid, page]), (grid, page)
        assert grid.status_code == page.status_code == 200
        assert "Saved" in grid.content.decode() and "Saved" in page.content.decode()
        result = copy_of(y2018, "1.1.1")
        assert (result.self_rating, result.self_notes) == ("PC", f"Round {round_}")
        assert latest_history(result) == stored(result)
        # The later answer (the grid's) shows what is stored.
        assert '<option value="PC" selected>' in grid.content.decode()


@concurrent
def test_saves_during_an_import_leave_history_that_matches_every_stored_row(
    y2018, seeded, lead, monkeypatch
):
    """The import has read (and, fixed, locked) the year's results; saves arrive while it
    plans. Every result's latest history row must be the stored row."""
    refs = ["1.1.1", "1.1.2", "1.1.3", "1.2.1"]
    planned, saving = threading.Event(), threading.Event()
    real_refuse = annex_one_services._refuse_finalised_changes

    def slow_after_planning(plans, table):
        planned.set()
        saving.wait(5)
        time.sleep(0.3)  # the saves reach their locks (or, unfixed, commit) meanwhile
        return real_refuse(plans, table)

    monkeypatch.setattr(annex_one_services, "_refuse_finalised_changes", slow_after_planning)

    def do_import():
        return import_2018(seeded, "".join(f"{ref},NC\n" for ref in refs), lead)

    def do_saves():
        planned.wait(5)
        copies = [copy_of(y2018, ref) for ref in refs]  # read before the import writes
        saving.set()
        for copy in copies:
            set_self_assessment(
                copy,
                acting_user=lead,
                self_rating="C",
                self_notes=f"Saved during the import ({copy.element.ref})",
            )

    summary, saves = run_threads(do_import, do_saves)
    assert not raised([summary, saves]), (summary, saves)
    assert summary.results_changed == len(refs)
    for ref in refs:
        result = copy_of(y2018, ref)
        assert (result.rating, result.self_rating) == ("NC", "C")
        assert result.self_notes == f"Saved during the import ({ref})"
    assert_history_matches_every_stored_row(y2018)


@concurrent
def test_a_year_finalised_while_a_save_waits_refuses_the_save(y2018, lead):
    """Finalising holds the assessment row; a save that read the year as open waits for it,
    reads the status again, and is refused with the YearLocked message."""
    locked, history = threading.Event(), ElementResult.history.count()
    stale = copy_of(y2018, "1.1.1")  # read while the year was open

    def finalise():
        with transaction.atomic():
            Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
            locked.set()
            time.sleep(0.3)

    def save():
        locked.wait(5)
        return set_self_assessment(
            stale, acting_user=lead, self_rating="C", self_notes="Saved as the year closed"
        )

    _done, outcome = run_threads(finalise, save)
    assert isinstance(outcome, YearLocked), outcome
    assert "2018 is finalised" in str(outcome)
    assert copy_of(y2018, "1.1.1").self_notes == ""
    assert ElementResult.history.count() == history


@concurrent
def test_a_year_finalised_while_a_link_waits_refuses_the_link(y2018, seeded, element, lead):
    item = EvidenceFactory(organisation=seeded, title="Board minutes")
    locked = threading.Event()

    def finalise():
        with transaction.atomic():
            Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
            locked.set()
            time.sleep(0.3)

    def link():
        locked.wait(5)
        return evidence_services.link(item, y2018, element, acting_user=lead)

    _done, outcome = run_threads(finalise, link)
    assert isinstance(outcome, YearLocked), outcome
    assert not EvidenceLink.objects.filter(evidence=item).exists()
