"""A year's grid: /o/<org>/assessments/<year>/ — the notes of each row read and edited in
place (the same self-assessment view, writing only the notes), criterion jump links, the
rating letters explained, and what the print stylesheet needs (a select's value as text)."""

import re

import pytest

from assessments.models import Assessment, ElementResult
from assessments.templatetags.assessment_tags import notes_preview
from tests.assessments.support import (
    HX,
    add_actions,
    add_evidence,
    body,
    url,
)

pytestmark = pytest.mark.django_db


def notes_of(page: str, anchor: str) -> str:
    match = re.search(
        rf'<details class="row-notes mt-1" id="notes-{anchor}".*?</details>', page, re.S
    )
    return match[0] if match else ""


def stored(assessment, ref: str) -> ElementResult:
    return ElementResult.objects.get(assessment=assessment, element__ref=ref)


# --- notes in the grid -----------------------------------------------------------------------


def test_each_row_has_its_notes_to_edit(client, y2018, lead):
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(
        self_notes="Customer profile from the 2017 census\nand the survey"
    )
    client.force_login(lead)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    assert page.count('<details class="row-notes mt-1"') == 72
    notes = notes_of(page, "el-1-1-1")
    assert 'Notes<span class="visually-hidden"> on 1.1.1</span>: ' in notes  # the summary
    assert "Customer profile from the 2017 census and the survey" in notes
    assert 'name="layout" value="notes"' in notes and "data-unsaved-warning" in notes
    assert ">\nCustomer profile from the 2017 census\nand the survey</textarea>" in notes
    assert f'action="{url("self-assessment", y2018.organisation, 2018, "1.1.1")}"' in notes
    assert 'hx-trigger="submit" hx-target="#notes-el-1-1-1"' in notes
    assert "Save notes" in notes
    assert "Add notes" in notes_of(page, "el-1-1-2")  # none yet


def test_readers_and_a_finalised_year_show_the_notes_to_read(client, y2018, y2017, board, lead):
    ElementResult.objects.filter(element__ref="1.1.1", assessment__in=[y2018, y2017]).update(
        self_notes="Census <2017>\nand survey"
    )
    client.force_login(board)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    notes = notes_of(page, "el-1-1-1")
    assert "Census &lt;2017&gt;<br>and survey" in notes
    assert "<form" not in notes and "<textarea" not in notes
    assert notes_of(page, "el-1-1-2") == ""  # no notes: nothing to unfold
    client.force_login(lead)
    finalised = notes_of(body(client.get(url("year", y2018.organisation, 2017))), "el-1-1-1")
    assert "Census &lt;2017&gt;<br>and survey" in finalised and "<textarea" not in finalised


def test_saving_notes_from_the_grid_writes_the_notes_alone(client, y2018, lead):
    org = y2018.organisation
    ElementResult.objects.filter(assessment=y2018, element__ref="1.2.1").update(self_rating="C")
    client.force_login(lead)
    response = client.post(
        url("self-assessment", org, 2018, "1.2.1"),
        {"self_notes": "Strategy adopted in May", "layout": "notes"},
        headers=HX,
    )
    answer = body(response)
    assert response.status_code == 200 and response["X-Portal-Partial"] == "1"
    assert 'id="notes-el-1-2-1" open>' in answer and "✓ Saved" in answer
    assert "Notes on 1.2.1 saved at" in answer  # announced
    assert "grid-progress" not in answer  # the notes change no figure
    result = stored(y2018, "1.2.1")
    assert (result.self_rating, result.self_notes) == ("C", "Strategy adopted in May")


def test_saving_notes_without_javascript_returns_to_the_row(client, y2018, lead):
    org = y2018.organisation
    grid = url("year", org, 2018) + "?criterion=1"
    client.force_login(lead)
    response = client.post(
        url("self-assessment", org, 2018, "1.2.1"),
        {"self_notes": "Plain post", "layout": "notes", "next": grid},
    )
    assert response.status_code == 302 and response["Location"] == grid + "#el-1-2-1"
    assert stored(y2018, "1.2.1").self_notes == "Plain post"
    page = client.get(response["Location"])
    assert "The self-assessment of 1.2.1 is saved." in [str(m) for m in page.context["messages"]]
    assert "Plain post" in notes_of(body(page), "el-1-2-1")


def test_notes_too_long_are_refused_and_kept_in_the_grid(client, y2018, lead):
    org = y2018.organisation
    client.force_login(lead)
    long = "x" * 5001
    response = client.post(
        url("self-assessment", org, 2018, "1.2.1"),
        {"self_notes": long, "layout": "notes"},
        headers=HX,
    )
    answer = body(response)
    assert "Not saved:" in answer and f">\n{long}</textarea>" in answer
    assert 'aria-invalid="true"' in answer
    assert stored(y2018, "1.2.1").self_notes == ""


def test_notes_of_a_finalised_year_are_refused_and_kept(client, y2017, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2017.organisation, 2017, "1.1.1"),
        {"self_notes": "Too late", "layout": "notes"},
        headers=HX,
    )
    answer = body(response)
    assert response.status_code == 403 and ">\nToo late</textarea>" in answer
    assert "readonly" in answer and "hx-post" not in answer


def test_the_notes_preview_is_one_short_line():
    assert notes_preview("  a\n\nb  c ") == "a b c"
    assert notes_preview("word " * 30, length=20) == "word word word word…"


# --- criterion jump links --------------------------------------------------------------------


def test_jump_links_lead_to_each_criterion_and_back_to_the_top(client, y2018, board):
    client.force_login(board)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    nav = page.split('aria-label="Jump to a criterion"', 1)[1].split("</nav>", 1)[0]
    targets = re.findall(r'<a href="#(criterion-\d)">(\d) ([^<]+)</a>', nav)
    assert [(t[1], t[2]) for t in targets] == [
        ("1", "Customer Insight"),
        ("2", "The Culture of the Organisation"),
        ("3", "Information and Access"),
        ("4", "Delivery"),
        ("5", "Timeliness and Quality of Service"),
    ]
    for target, _ref, _title in targets:
        assert f'<h2 class="h5" id="{target}" tabindex="-1">' in page
    assert page.count('<a href="#grid-top">Back to the top') == 5
    assert 'id="grid-top"' in page
    # Filtered to one criterion: nothing to jump to.
    one = body(client.get(url("year", y2018.organisation, 2018), {"criterion": "2"}))
    assert "Jump to a criterion" not in one and "Back to the top" not in one


# --- rating letters and print ----------------------------------------------------------------


def test_the_grid_explains_its_letters_and_prints_each_select_as_its_value(client, y2018, lead):
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(self_rating="PC")
    client.force_login(lead)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    assert "Rating letters:" in page
    form = re.search(r'<form id="self-el-1-1-1".*?</form>', page, re.S)[0]
    assert '<span class="print-only"><span class="rating rating-PC">' in form
    unrated = re.search(r'<form id="self-el-1-1-2".*?</form>', page, re.S)[0]
    assert '<span class="print-only"><span class="text-muted not-rated">' in unrated


@pytest.mark.parametrize("bad", ["Reversed \u202etxt.exe", "Escape \x1b[2J"])
def test_notes_with_control_characters_are_refused_and_kept(client, y2018, lead, bad):
    """Notes are shown on every page of the year: a bidirectional override or a terminal
    escape is refused with a message, what was typed kept."""
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.2.1"),
        {"self_notes": bad, "layout": "notes"},
        headers=HX,
    )
    answer = body(response)
    assert "Not saved:" in answer and 'aria-invalid="true"' in answer
    assert stored(y2018, "1.2.1").self_notes == ""


# --- the rows, the filters, a finalised year and the query count -------------------------


def test_the_grid_shows_every_row_with_its_marks(client, y2018, lead, carried_link):
    client.force_login(lead)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    assert page.count('class="element-row') == 72
    assert "Criterion 1: Customer Insight" in page and "1.3 Customer Satisfaction" in page
    assert "0 of 57 elements" in page  # self-rated and evidenced
    assert "Sub-elements are counted apart (15" in page
    assert 'id="el-1-3-3-1"' in page
    assert "<details" in page and "A profile of the organisation" in page  # guidance on demand
    # Every select has a label.
    assert page.count('<label class="visually-hidden" for="self-rating-el-') == 72
    assert "No self-rating" in page and "No evidence linked" in page
    assert 'class="sampled-mark"' in page


def test_the_grid_filters(client, y2018, lead):
    client.force_login(lead)
    response = client.get(url("year", y2018.organisation, 2018), {"criterion": "4", "rating": "PC"})
    grid = response.context["grid"]
    assert grid.shown == len(
        [
            r
            for r in ElementResult.objects.filter(
                assessment=y2018, rating="PC", element__ref__startswith="4."
            )
        ]
    )
    assert "Showing" in body(response) and "Show all" in body(response)
    # Nonsense filters are ignored, not an error.
    assert client.get(url("year", y2018.organisation, 2018), {"rating": "<b>"}).status_code == 200


def test_a_finalised_year_renders_no_controls(client, y2017, lead, old_link):
    client.force_login(lead)
    org = y2017.organisation
    grid = body(client.get(url("year", org, 2017)))
    assert "2017 is finalised" in grid and "self-form" not in grid
    page = body(client.get(url("element", org, 2017, "1.1.1")))
    assert "2017 is finalised" in page
    for control in ["self-form", "link-note-form", "Re-confirm", "Unlink", 'name="evidence_id"']:
        assert control not in page
    assert "Old profile" in page  # the link's note, read-only


@pytest.mark.usefixtures("drawn_pages")
@pytest.mark.parametrize("count", [10, 500])
def test_the_grid_in_a_constant_number_of_queries(
    client, y2018, lead, count, django_assert_num_queries
):
    add_evidence(y2018, count)
    add_actions(y2018, count // 5)  # improvement actions: 2, then 100
    client.force_login(lead)
    path = url("year", y2018.organisation, 2018)
    client.get(path)  # the session remembers the organisation once
    # session, user, membership with organisation, assessment, the year's results (the
    # standard's criteria, sub-criteria and elements are kept per process: standards.memo),
    # evidence counts per element, the elements with overdue evidence, improvement actions
    # per element ref (unfinished, in hand: assessments.linked_actions), the year's events
    # (the status panel's timeline)
    assert y2018.status == y2018.Status.ASSESSOR_REVIEW
    with django_assert_num_queries(9):
        response = client.get(path)
    progress = response.context["grid"].progress
    assert progress.evidenced + progress.sub_evidenced == min(count, 72)
    # The same with filters: they choose rows in Python.
    with django_assert_num_queries(9):
        client.get(path, {"criterion": "2", "self_rating": "none", "attention": "on"})
    # In self-assessment the year was never moved: its timeline takes no query.
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.SELF_ASSESSMENT)
    with django_assert_num_queries(8):
        client.get(path, {"criterion": "2", "self_rating": "none", "attention": "on"})
