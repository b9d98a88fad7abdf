"""The assessor's marking: the service (only the fields sent, the version check, the comment
rule, the year's status), its endpoint from the element page and the grid (HTMX and plain
posts), who may (every role against every assessor action), and the summaries."""

import pytest
from django.core.exceptions import ValidationError

from assessments import marking
from assessments.marking import MarkingClosed, StaleMark, StaleSummary
from assessments.models import Assessment, CriterionSummary, ElementResult
from assessments.services import YearLocked
from organisations.models import Role
from standards.models import Criterion
from tests.assessments.support import HX, add_evidence, body, every_change, messages_of, url

pytestmark = pytest.mark.django_db


def stored(y2018, ref="1.1.1") -> ElementResult:
    return ElementResult.objects.get(assessment=y2018, element__ref=ref)


def mark_data(result: ElementResult, **values) -> dict:
    data = {
        "rating": result.rating,
        "comment": result.comment,
        "version": str(result.version),
        "sampled_shown": "1",
        "layout": "element",
    }
    if result.sampled:
        data["sampled"] = "on"
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


# --- the service ---------------------------------------------------------------------------


def test_a_mark_writes_the_fields_sent_bumps_the_version_and_keeps_history(result, assessor):
    result.self_notes = "Kept"
    result.save()
    version = result.version
    assert marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=version, rating="CP", comment="Exemplary"
    )
    row = ElementResult.objects.get(pk=result.pk)
    assert (row.rating, row.comment, row.self_notes, row.version) == (
        "CP",
        "Exemplary",
        "Kept",
        version + 1,
    )
    assert not row.carried_forward  # this year's mark now
    assert row.updated_by == assessor
    latest = row.history.latest()
    assert (latest.history_user, latest.rating, latest.version) == (assessor, "CP", version + 1)
    assert result.version == version + 1  # the caller's copy is refreshed
    # Sampled alone: the rating and comment stay.
    flipped = not row.sampled
    assert marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=version + 1, sampled=flipped
    )
    row.refresh_from_db()
    assert (row.rating, row.comment, row.sampled, row.version) == (
        "CP",
        "Exemplary",
        flipped,
        version + 2,
    )


def test_the_same_values_again_change_nothing(result, assessor):
    marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=result.version, rating="C"
    )
    version = result.version
    # Even from an old version: nothing would change, so there is nothing to refuse.
    assert not marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=version - 1, rating="C"
    )
    assert stored(result.assessment).version == version


def test_a_save_from_an_older_version_is_refused_with_the_other_change(result, assessor, member_of):
    other = member_of(result.assessment.organisation, Role.ASSESSOR)
    other.full_name = "Jo Bloggs"
    other.save()
    seen = result.version
    theirs = ElementResult.objects.get(pk=result.pk)
    theirs.assessment = result.assessment
    marking.set_assessor_mark(
        theirs, acting_user=other, expected_version=seen, rating="PC", comment="Gaps in 1.1"
    )
    with pytest.raises(StaleMark) as refused:
        marking.set_assessor_mark(
            result, acting_user=assessor, expected_version=seen, rating="C", comment="Fine"
        )
    stale = refused.value
    assert (stale.rating, stale.comment, stale.version, stale.by) == (
        "PC",
        "Gaps in 1.1",
        seen + 1,
        "Jo Bloggs",
    )
    assert stale.at is not None and "Jo Bloggs changed this meanwhile" in str(stale)
    assert stored(result.assessment).rating == "PC"  # nothing written
    # Sent again from the stored version, it replaces theirs.
    marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=stale.version, rating="C", comment="Fine"
    )
    assert (stored(result.assessment).rating, stored(result.assessment).comment) == ("C", "Fine")


@pytest.mark.parametrize("rating", ["CP", "PC", "NC"])
def test_cp_pc_and_nc_need_a_comment(result, assessor, rating):
    ElementResult.objects.filter(pk=result.pk).update(rating="", comment="")
    result.refresh_from_db()
    with pytest.raises(ValidationError, match="needs a comment saying why"):
        marking.set_assessor_mark(
            result, acting_user=assessor, expected_version=result.version, rating=rating
        )
    with pytest.raises(ValidationError):
        marking.set_assessor_mark(
            result,
            acting_user=assessor,
            expected_version=result.version,
            rating=rating,
            comment="   ",
        )
    assert marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=result.version, rating="C"
    )  # C does not


def test_removing_the_comment_of_a_pc_is_refused_but_sampling_a_carried_cp_is_not(y2018, assessor):
    result = stored(y2018, "1.1.1")
    ElementResult.objects.filter(pk=result.pk).update(
        rating="CP", comment="", carried_forward=True, sampled=False
    )
    result.refresh_from_db()
    result.assessment = y2018
    # Sampling a carried-forward CP (no comment yet) touches neither rating nor comment.
    assert marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=result.version, sampled=True
    )
    assert stored(y2018).carried_forward  # still the year before's rating
    marking.set_assessor_mark(
        result, acting_user=assessor, expected_version=result.version, comment="Why CP"
    )
    with pytest.raises(ValidationError):
        marking.set_assessor_mark(
            result, acting_user=assessor, expected_version=result.version, comment=""
        )


def test_a_rating_that_is_not_one_is_refused(result, assessor):
    with pytest.raises(ValidationError, match="not a rating"):
        marking.set_assessor_mark(
            result, acting_user=assessor, expected_version=result.version, rating="X"
        )


@pytest.mark.parametrize(
    "status",
    [
        Assessment.Status.SELF_ASSESSMENT,
        Assessment.Status.SUBMITTED,
        Assessment.Status.CHANGES_REQUESTED,
        Assessment.Status.FINALISED,
    ],
)
def test_marking_only_while_the_year_is_in_assessor_review(result, assessor, status):
    Assessment.objects.filter(pk=result.assessment.pk).update(status=status)
    expected = YearLocked if status == Assessment.Status.FINALISED else MarkingClosed
    with pytest.raises(expected):
        marking.set_assessor_mark(
            result, acting_user=assessor, expected_version=result.version, rating="C"
        )
    with pytest.raises(expected):
        marking.set_assessor_summary(result.assessment, "x", acting_user=assessor)
    with pytest.raises(expected):
        marking.set_sample(result.assessment, acting_user=assessor, add=["1.1.1"])
    assert stored(result.assessment).rating != "C" or status == Assessment.Status.FINALISED


# --- the endpoint ----------------------------------------------------------------------------


def test_htmx_save_from_the_element_page(client, y2018, assessor):
    result = stored(y2018)
    client.force_login(assessor)
    response = client.post(
        url("assessor-mark", y2018.organisation, 2018, "1.1.1"),
        mark_data(result, rating="CP", comment="Exemplary profile", sampled="on"),
        headers=HX,
    )
    assert response.status_code == 200 and response["X-Portal-Partial"] == "1"
    page = body(response)
    assert "<html" not in page and 'id="mark-el-1-1-1"' in page and "Saved" in page
    assert f'name="version" value="{result.version + 1}"' in page
    row = stored(y2018)
    assert (row.rating, row.comment, row.sampled) == ("CP", "Exemplary profile", True)


def test_the_form_says_a_comment_is_needed_and_keeps_the_choice(client, y2018, assessor):
    result = stored(y2018)
    client.force_login(assessor)
    response = client.post(
        url("assessor-mark", y2018.organisation, 2018, "1.1.1"),
        mark_data(result, rating="PC", comment="", layout="grid"),
        headers=HX,
    )
    page = body(response)
    assert response.status_code == 200
    assert "PC (Partial Compliance) needs a comment saying why" in page
    assert '<option value="PC" selected>' in page and "mark-form-grid" in page
    assert stored(y2018).rating == result.rating  # nothing written


def test_a_conflict_shows_the_other_change_and_keeps_what_was_typed(
    client, y2018, assessor, member_of
):
    result = stored(y2018)
    seen = result.version
    other = member_of(y2018.organisation, Role.ASSESSOR)
    other.full_name = "Jo Bloggs"
    other.save()
    theirs = stored(y2018)
    theirs.assessment = y2018
    marking.set_assessor_mark(
        theirs, acting_user=other, expected_version=seen, rating="PC", comment="Their reason"
    )
    client.force_login(assessor)
    path = url("assessor-mark", y2018.organisation, 2018, "1.1.1")
    typed = mark_data(result, rating="C", comment="My careful comment")
    response = client.post(path, typed, headers=HX)
    assert response.status_code == 409 and response["X-Portal-Partial"] == "1"
    page = body(response)
    assert "Jo Bloggs" in page and "Their reason" in page
    assert "save again to replace it" in page and "data-stale" in page
    assert "My careful comment" in page and '<option value="C" selected>' in page
    assert f'name="version" value="{seen + 1}"' in page  # the next save replaces theirs
    # Without JavaScript: the element page, with the same form and message.
    response = client.post(path, typed)
    assert response.status_code == 409
    page = body(response)
    assert "<html" in page and "My careful comment" in page and "Their reason" in page
    # Saving again, from the stored version, replaces it.
    response = client.post(path, {**typed, "version": str(seen + 1)})
    assert response.status_code == 302
    assert (stored(y2018).rating, stored(y2018).comment) == ("C", "My careful comment")


def test_a_plain_post_from_the_grid_returns_to_the_row(client, y2018, assessor):
    result = stored(y2018, "1.1.2")
    org = y2018.organisation
    client.force_login(assessor)
    grid = url("year", org, 2018) + "?criterion=1"
    response = client.post(
        url("assessor-mark", org, 2018, "1.1.2"),
        mark_data(result, rating="C", layout="grid", next=grid),
    )
    assert response["Location"] == grid + "#el-1-1-2"
    assert "Your mark of 1.1.2 is saved." in messages_of(client.get(response["Location"]))


def test_a_sampled_box_left_unticked_unmarks_and_a_field_not_sent_is_kept(client, y2018, assessor):
    result = stored(y2018)
    ElementResult.objects.filter(pk=result.pk).update(sampled=True, comment="Kept")
    result.refresh_from_db()
    client.force_login(assessor)
    path = url("assessor-mark", y2018.organisation, 2018, "1.1.1")
    data = mark_data(result)
    data.pop("sampled")
    data.pop("comment")
    client.post(path, data, headers=HX)
    row = stored(y2018)
    assert (row.sampled, row.comment) == (False, "Kept")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"rating": "ZZ"}, "not a rating"),
        ({"version": "٣"}, "reload the page"),
        ({"comment": "bad\u202ebidi"}, ""),
        ({"comment": "x" * 5001}, "5000"),
    ],
)
def test_bad_input_is_refused_and_kept(client, y2018, assessor, data, message):
    result = stored(y2018)
    client.force_login(assessor)
    response = client.post(
        url("assessor-mark", y2018.organisation, 2018, "1.1.1"),
        mark_data(result, **data),
        headers=HX,
    )
    page = body(response)
    assert response.status_code == 200 and "Not saved" in page and message in page
    assert stored(y2018).version == result.version


def test_a_finalised_year_refuses_the_mark(client, y2017, assessor):
    result = stored(y2017)
    client.force_login(assessor)
    path = url("assessor-mark", y2017.organisation, 2017, "1.1.1")
    response = client.post(path, mark_data(result, rating="NC", comment="x"), headers=HX)
    assert response.status_code == 403 and "2017 is finalised" in body(response)
    assert client.post(path, mark_data(result, rating="NC", comment="x")).status_code == 403


# --- who may -------------------------------------------------------------------------------


def assessor_actions(org, year: int, result) -> list[tuple[str, dict]]:
    """(url, data) of every assessor change, with real values."""
    return [
        (
            url("assessor-mark", org, year, "1.1.1"),
            mark_data(result, rating="C", comment="Role test"),
        ),
        (url("summaries", org, year), {"part": "1", "text": "Role test"}),
        (url("summaries", org, year), {"part": "overall", "text": "Role test"}),
        (url("sample", org, year), {"ref": ["1.1.1"]}),
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.QUALITY_LEAD, Role.GOVERNING_BODY])
@pytest.mark.parametrize("htmx", [False, True])
def test_only_an_assessor_changes_the_assessor_fields(client, y2018, member_of, role, htmx):
    org = y2018.organisation
    client.force_login(member_of(org, role))
    result = stored(y2018)
    for path, data in assessor_actions(org, 2018, result):
        response = client.post(path, data, headers=HX if htmx else {})
        assert response.status_code == 403, path
    row = stored(y2018)
    assert (row.rating, row.comment, row.sampled, row.version) == (
        result.rating,
        result.comment,
        result.sampled,
        result.version,
    )
    assert not CriterionSummary.objects.filter(assessment=y2018).exists()
    assert Assessment.objects.get(pk=y2018.pk).assessor_summary == ""


def test_the_assessor_may_make_every_assessor_change(client, y2018, assessor):
    org = y2018.organisation
    client.force_login(assessor)
    for path, data in assessor_actions(org, 2018, stored(y2018)):
        assert client.post(path, data).status_code == 302, path
    row = stored(y2018)
    assert (row.rating, row.comment, row.sampled) == ("C", "Role test", True)
    assert CriterionSummary.objects.get(assessment=y2018, criterion__ref="1").text == "Role test"
    assert Assessment.objects.get(pk=y2018.pk).assessor_summary == "Role test"


def test_the_assessor_cannot_change_the_self_assessment_or_evidence(
    client, y2018, assessor, carried_link, spare
):
    client.force_login(assessor)
    before = stored(y2018)
    for path, data in every_change(y2018.organisation, 2018, carried_link, spare):
        assert client.post(path, data).status_code == 403, path
        assert client.post(path, data, headers=HX).status_code == 403, path
    row = stored(y2018)
    assert (row.self_rating, row.self_notes) == (before.self_rating, before.self_notes)
    carried_link.refresh_from_db()
    assert carried_link.note == "Profile"


# --- the pages -----------------------------------------------------------------------------


def test_the_element_page_shows_the_assessor_their_controls_beside_the_organisation(
    client, y2018, assessor, carried_link
):
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(
        self_rating="C", self_notes="Our profile is current"
    )
    client.force_login(assessor)
    page = body(client.get(url("element", y2018.organisation, 2018, "1.1.1")))
    assert 'id="mark-el-1-1-1"' in page and 'name="sampled"' in page
    assert "Our profile is current" in page  # the organisation's notes, to read
    assert "self-form" not in page  # not theirs to change
    assert "Customer profile 2018" in page  # the evidence


def test_evidence_files_open_in_a_new_tab(client, y2018, assessor):
    from tests.factories import EvidenceLinkFactory, FileEvidenceFactory

    item = FileEvidenceFactory(organisation=y2018.organisation, title="Policy file")
    EvidenceLinkFactory(evidence=item, assessment=y2018, element=stored(y2018).element)
    client.force_login(assessor)
    page = body(client.get(url("element", y2018.organisation, 2018, "1.1.1")))
    assert 'target="_blank" rel="noopener">Download' in page


def test_others_see_the_marks_read_only(client, y2018, lead, board):
    for user in (lead, board):
        client.force_login(user)
        assert "mark-form" not in body(
            client.get(url("element", y2018.organisation, 2018, "1.1.1"))
        )
        assert "mark-form" not in body(client.get(url("year", y2018.organisation, 2018)))


def test_no_controls_outside_assessor_review(client, y2018, assessor):
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.SUBMITTED)
    client.force_login(assessor)
    assert "mark-form" not in body(client.get(url("element", y2018.organisation, 2018, "1.1.1")))
    assert "mark-form" not in body(client.get(url("year", y2018.organisation, 2018)))


def test_the_grid_in_assessor_mode_has_a_form_in_every_row(client, y2018, assessor):
    client.force_login(assessor)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    assert page.count('class="mark-form mark-form-grid"') == 72
    assert 'action="/o/acme/assessments/2018/elements/1.1.1/mark/"' in page
    assert "Your mark" in page and "self-form" not in page


@pytest.mark.usefixtures("drawn_pages")
@pytest.mark.parametrize("count", [10, 500])
def test_the_grid_in_assessor_mode_costs_no_query_more_than_the_leads(
    client, y2018, assessor, lead, count
):
    """The assessor's grid makes the lead's queries (pinned in test_grid_page.py: session,
    user, membership with organisation, assessment, criteria, results with element,
    sub-criterion and criterion, evidence counts per element, improvement actions per
    element, and the year's events): its form's values (comment, version) come in the same
    results query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_evidence(y2018, count)
    path = url("year", y2018.organisation, 2018)
    counts = {}
    for user in (lead, assessor):
        client.force_login(user)
        client.get(path)  # the session remembers the organisation once
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counts[user] = len(queries)
    assert body(response).count("mark-form-grid") == 72
    assert counts[assessor] == counts[lead] <= 9


# --- the summaries -------------------------------------------------------------------------


def test_summaries_are_saved_with_history_and_checked_for_changes_meanwhile(y2018, assessor):
    criterion = Criterion.objects.get(standard=y2018.standard, ref="2")
    assert marking.set_criterion_summary(
        y2018, criterion, "Strong insight", acting_user=assessor, drawn=marking.text_stamp("")
    )
    summary = CriterionSummary.objects.get(assessment=y2018, criterion=criterion)
    assert summary.history.latest().history_user == assessor
    with pytest.raises(StaleSummary) as stale:
        marking.set_criterion_summary(
            y2018, criterion, "Mine", acting_user=assessor, drawn=marking.text_stamp("")
        )
    assert stale.value.text == "Strong insight"
    assert marking.set_assessor_summary(y2018, "Overall fine", acting_user=assessor)
    assert Assessment.history.filter(id=y2018.pk).latest().history_user == assessor
    assert not marking.set_assessor_summary(y2018, "Overall fine", acting_user=assessor)


def test_the_summaries_page(client, y2018, assessor, board):
    org = y2018.organisation
    client.force_login(assessor)
    page = body(client.get(url("summaries", org, 2018)))
    assert page.count('name="part"') == 6  # five criteria and the year
    response = client.post(
        url("summaries", org, 2018),
        {"part": "3", "text": "Good", "drawn": marking.text_stamp("")},
        headers=HX,
    )
    assert response.status_code == 200 and "Saved" in body(response)
    # A change meanwhile: 409, their text shown, mine kept.
    response = client.post(
        url("summaries", org, 2018),
        {"part": "3", "text": "Mine instead", "drawn": marking.text_stamp("")},
        headers=HX,
    )
    page = body(response)
    assert response.status_code == 409 and "Good" in page and "Mine instead" in page
    # Nonsense part: nothing saved, a message.
    response = client.post(url("summaries", org, 2018), {"part": "9", "text": "x"})
    assert response.status_code == 302
    client.force_login(board)
    page = body(client.get(url("summaries", org, 2018)))
    assert "Good" in page and "<textarea" not in page
