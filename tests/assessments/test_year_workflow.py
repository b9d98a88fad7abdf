"""Opening and managing assessment years: one rule for valid years (the open form and the Annex
One import agree, so every export imports back), only the next year opens and only after the
latest is finalised, the year's details on a page of their own, deleting a year opened by
mistake, carried-forward counts labelled as such, and a finalised year's grid showing its
outcome.
"""

import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from assessments import rules
from assessments.models import Assessment, ElementResult
from assessments.queries import deletion, may_delete
from assessments.rules import (
    FIRST_YEAR,
    counts_note,
    default_kind,
    deletion_error,
    last_year,
    next_opening,
    opening_error,
    visit_date_error,
    year_error,
)
from assessments.services import (
    YearExists,
    YearLocked,
    YearNotAllowed,
    YearNotDeletable,
    delete_year,
    open_year,
    update_year_details,
)
from evidence.models import Evidence, EvidenceLink
from organisations.models import Role
from reports.annex_one import AnnexOneError, parse_annex_one
from standards.models import Element
from tests.factories import EvidenceFactory

THIS_YEAR = timezone.localdate().year
NEXT_YEAR = THIS_YEAR + 1
TODAY = date(2026, 12, 1)


def url(name: str, org, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def year(y: int, status: str = "finalised", kind: str = "annual_review") -> SimpleNamespace:
    return SimpleNamespace(year=y, status=status, kind=kind)


def finalise(org, *years: int) -> None:
    Assessment.objects.filter(organisation=org, year__in=years).update(
        status=Assessment.Status.FINALISED
    )


# --- the one rule for valid years ------------------------------------------------------------


@pytest.mark.parametrize("value", [str(FIRST_YEAR), "2018", str(TODAY.year + 1), 1990, 2027])
def test_a_year_a_record_may_hold(value):
    assert year_error(value, TODAY) == ""


@pytest.mark.parametrize(
    "value", ["1989", "2028", "2040", "2100", "²⁰¹⁸", "٢٠١٨", "2018.0", " 2018", "", 2040, -1]
)
def test_not_a_year_a_record_may_hold(value):
    assert year_error(value, TODAY) == f'"{value}" is not a year — use a year from 1990 to 2027'


def test_the_last_year_is_next_year():
    assert last_year(TODAY) == 2027
    assert last_year() == NEXT_YEAR


@pytest.mark.parametrize("candidate", [FIRST_YEAR - 1, FIRST_YEAR, THIS_YEAR, NEXT_YEAR, 2040])
@pytest.mark.django_db
def test_the_open_form_and_the_import_agree_on_every_year(org, cse_standard, candidate):
    """The open form (first year: any year a record may hold) and the Annex One import accept
    exactly the same years."""
    from assessments.forms import OpenYearForm

    form = OpenYearForm({"year": str(candidate), "kind": "initial"}, years=[])
    try:
        parse_annex_one(f"ref,{candidate}\n1.1.1,C\n", {"1.1.1"})
        imports = True
    except AnnexOneError:
        imports = False
    assert form.is_valid() == imports == (FIRST_YEAR <= candidate <= NEXT_YEAR)


# --- which year may be opened ----------------------------------------------------------------


def test_the_first_year_may_be_any_year_a_record_may_hold():
    opening = next_opening([], TODAY)
    assert opening.allowed and opening.first
    assert (opening.years.start, opening.years.stop - 1) == (1990, 2027)
    assert (opening.default_year, opening.default_kind) == (2026, "initial")


def test_after_a_finalised_year_only_the_next_one_opens():
    opening = next_opening([year(2017), year(2018)], TODAY)
    assert list(opening.years) == [2019] and opening.only_year == 2019
    assert opening.default_year == 2019 and not opening.first
    assert opening_error([year(2018)], 2019, TODAY) == ""


@pytest.mark.parametrize("status", ["self_assessment", "assessor_review"])
def test_nothing_opens_while_the_latest_year_is_not_finalised(status):
    opening = next_opening([year(2017), year(2018, status)], TODAY)
    assert not opening.allowed and opening.default_year is None
    words = "in assessor review" if status == "assessor_review" else "in self-assessment"
    assert opening.reason == (
        f"2018 is still {words}: 2019 can be opened once the assessor has finalised 2018."
    )
    assert opening_error([year(2018, status)], 2019, TODAY) == opening.reason


def test_no_year_beyond_the_last_year_opens():
    opening = next_opening([year(2027)], TODAY)
    assert not opening.allowed
    assert opening.reason == (
        "2028 cannot be opened yet: the latest year a record may hold is 2027."
    )


@pytest.mark.parametrize("wanted", [2040, 2020, 2016, 2000])
def test_only_the_next_year_opens(wanted):
    assert opening_error([year(2017), year(2018)], wanted, TODAY) == (
        "Only 2019 can be opened: years are opened one at a time, each the year after the "
        "latest (2018)."
    )


def test_a_year_that_exists_does_not_open_again():
    assert "There is a 2018 assessment already" in opening_error([year(2018)], 2018, TODAY)


def test_the_first_year_outside_the_rule_does_not_open():
    assert opening_error([], 2040, TODAY) == '"2040" is not a year — use a year from 1990 to 2027'


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], "initial"),
        (["initial"], "annual_review"),
        (["annual_review", "initial"], "annual_review"),
        (["annual_review", "annual_review", "initial"], "reassessment"),
        (["reassessment", "annual_review", "annual_review"], "annual_review"),
        (["annual_review", "annual_review", "reassessment"], "reassessment"),
    ],
)
def test_the_three_year_cycle_gives_the_default_kind(kinds, expected):
    years = [year(2020 - n, kind=kind) for n, kind in enumerate(kinds)]
    assert default_kind(years) == expected
    if years:
        assert next_opening(years, TODAY).default_kind == expected


@pytest.mark.parametrize(
    ("visit", "ok"),
    [
        (None, True),
        (date(2019, 11, 20), True),
        (date(2018, 1, 1), True),
        (date(2020, 12, 31), True),
        (date(2017, 12, 31), False),
        (date(2021, 1, 1), False),
        (date(2091, 11, 20), False),
    ],
)
def test_the_visit_falls_near_its_year(visit, ok):
    error = visit_date_error(2019, visit)
    assert (error == "") == ok
    if not ok:
        assert error == (
            "The visit for 2019 must fall between 1 January 2018 and 31 December 2020: "
            "check the year of the date."
        )


# --- which year may be deleted ---------------------------------------------------------------


def test_a_year_without_assessor_marks_may_be_deleted():
    assert deletion_error(year(2019, "self_assessment"), 2019, 0) == ""
    assert deletion_error(year(2019, "assessor_review"), 2019, 0) == ""


def test_a_finalised_year_is_never_deleted():
    assert deletion_error(year(2019), 2019, 0) == "2019 is finalised: its record is kept for good."


def test_only_the_latest_year_is_deleted():
    assert deletion_error(year(2019, "self_assessment"), 2020, 0) == (
        "Only the latest year can be deleted: 2020 comes after 2019, delete 2020 first."
    )


@pytest.mark.parametrize(("marks", "words"), [(1, "1 assessor mark "), (3, "3 assessor marks ")])
def test_a_year_with_assessor_marks_is_not_deleted(marks, words):
    error = deletion_error(year(2019, "assessor_review"), 2019, marks)
    assert error == (
        f"2019 has {words}(ratings, sampling or comments): a year the assessor has worked on "
        "cannot be deleted."
    )


# --- the label of carried-forward counts -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "assessed", "carried", "expected"),
    [
        ("self_assessment", 0, 57, "Carried forward from 2018, not yet assessed"),
        ("assessor_review", 12, 45, "12 assessed so far; 45 carried forward from 2018"),
        ("assessor_review", 57, 0, ""),
        ("self_assessment", 0, 0, ""),
        ("finalised", 10, 47, ""),  # the assessor's result, carried ratings included
    ],
)
def test_counts_note(status, assessed, carried, expected):
    assert counts_note(status, assessed, carried, 2018) == expected


# --- the services ----------------------------------------------------------------------------


@pytest.fixture
def y2019(seeded, lead):
    """2018 finalised, 2019 opened from it: ratings and one evidence link carried forward."""
    finalise(seeded, 2018)
    y2018 = Assessment.objects.get(organisation=seeded, year=2018)
    item = EvidenceFactory(organisation=seeded, title="Customer profile")
    EvidenceLink.objects.create(
        evidence=item, assessment=y2018, element=Element.objects.get(ref="1.1.1")
    )
    return open_year(seeded, 2019, acting_user=lead)


@pytest.mark.django_db
@pytest.mark.parametrize("wanted", [2040, 2020, 2010])
def test_open_year_refuses_any_but_the_next_year(seeded, lead, wanted):
    finalise(seeded, 2018)
    with pytest.raises(YearNotAllowed, match="Only 2019 can be opened"):
        open_year(seeded, wanted, acting_user=lead)
    assert not Assessment.objects.filter(organisation=seeded, year__gt=2018).exists()


@pytest.mark.django_db
def test_open_year_refuses_while_the_latest_is_with_the_assessor(seeded, lead):
    with pytest.raises(YearNotAllowed, match="2018 is still in assessor review"):
        open_year(seeded, 2019, acting_user=lead)
    assert not Assessment.objects.filter(organisation=seeded, year=2019).exists()


@pytest.mark.django_db
def test_open_year_refuses_a_year_that_exists(seeded, lead):
    with pytest.raises(YearExists):
        open_year(seeded, 2018, acting_user=lead)


@pytest.mark.django_db
def test_open_year_refuses_a_first_year_outside_the_rule(org, cse_standard, lead):
    with pytest.raises(YearNotAllowed, match="is not a year"):
        open_year(org, 2040, acting_user=lead)


@pytest.mark.django_db
def test_the_details_of_a_year_are_kept_with_who_changed_them(y2019, lead):
    assert update_year_details(y2019, "reassessment", date(2019, 11, 20), acting_user=lead)
    assert not update_year_details(y2019, "reassessment", date(2019, 11, 20), acting_user=lead)
    y2019.refresh_from_db()
    assert (y2019.kind, y2019.visit_date) == ("reassessment", date(2019, 11, 20))
    latest = y2019.history.latest()
    assert latest.history_user == lead and latest.visit_date == date(2019, 11, 20)


@pytest.mark.django_db
def test_the_details_of_a_finalised_year_are_read_only(seeded, lead):
    y2017 = Assessment.objects.get(organisation=seeded, year=2017)
    with pytest.raises(YearLocked, match="2017 is finalised"):
        update_year_details(y2017, "annual_review", date(2017, 10, 1), acting_user=lead)
    y2017.refresh_from_db()
    assert y2017.visit_date is None


@pytest.mark.django_db
def test_the_details_refuse_a_visit_far_from_the_year(y2019, lead):
    with pytest.raises(ValueError, match="The visit for 2019 must fall between"):
        update_year_details(y2019, "annual_review", date(2091, 11, 20), acting_user=lead)


@pytest.mark.django_db
def test_deleting_a_year_removes_it_and_keeps_the_record(y2019, org_admin):
    org, pk = y2019.organisation, y2019.pk
    results = list(ElementResult.objects.filter(assessment=y2019).values_list("pk", flat=True))
    [link] = EvidenceLink.objects.filter(assessment=y2019)
    deleted = delete_year(y2019, acting_user=org_admin)
    assert (deleted.year, deleted.results, deleted.links) == (2019, 72, 1)
    assert not Assessment.objects.filter(organisation=org, year=2019).exists()
    assert not ElementResult.objects.filter(pk__in=results).exists()
    assert not EvidenceLink.objects.filter(pk=link.pk).exists()
    assert Evidence.objects.filter(pk=link.evidence_id).exists()  # the item stays
    # The history records the deletion of the year, its results and links, and by whom.
    gone = Assessment.history.filter(id=pk).latest()
    assert (gone.history_type, gone.history_user) == ("-", org_admin)
    assert gone.history_change_reason == "Deleted 2019"
    removed = ElementResult.history.filter(id__in=results, history_type="-")
    assert removed.count() == 72 and {h.history_user for h in removed} == {org_admin}
    assert EvidenceLink.history.filter(id=link.pk, history_type="-").get().history_user == (
        org_admin
    )


@pytest.mark.django_db
def test_a_deleted_year_can_be_opened_again(y2019, org_admin, lead):
    delete_year(y2019, acting_user=org_admin)
    again = open_year(y2019.organisation, 2019, acting_user=lead)
    assert ElementResult.objects.filter(assessment=again, carried_forward=True).exists()


@pytest.mark.django_db
def test_self_assessment_does_not_stop_a_deletion(y2019, org_admin):
    ElementResult.objects.filter(assessment=y2019, element__ref="1.1.1").update(
        self_rating="CP", self_notes="Ours"
    )
    delete_year(y2019, acting_user=org_admin)
    assert not Assessment.objects.filter(pk=y2019.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mark",
    [
        {"rating": "C", "carried_forward": False},
        {"sampled": True},
        {"comment": "Seen at the visit."},
    ],
    ids=["rating", "sampled", "comment"],
)
def test_a_year_with_an_assessor_mark_is_not_deleted(y2019, org_admin, mark):
    ElementResult.objects.filter(assessment=y2019, element__ref="2.1.4").update(**mark)
    with pytest.raises(YearNotDeletable, match="2019 has 1 assessor mark "):
        delete_year(y2019, acting_user=org_admin)
    assert Assessment.objects.filter(pk=y2019.pk).exists()
    assert ElementResult.objects.filter(assessment=y2019).count() == 72


@pytest.mark.django_db
def test_a_finalised_year_is_not_deleted(seeded, org_admin):
    y2017 = Assessment.objects.get(organisation=seeded, year=2017)
    with pytest.raises(YearLocked):
        delete_year(y2017, acting_user=org_admin)


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_open_form_offers_only_the_next_year(client, seeded, lead):
    finalise(seeded, 2018)
    client.force_login(lead)
    response = client.get(url("assessment-open", seeded))
    form = response.context["form"]
    assert form["year"].value() == 2019
    page = body(response)
    assert "readonly" in page and "The year after 2018, which is finalised" in page


@pytest.mark.django_db
@pytest.mark.parametrize("wanted", ["2040", "2020", "2010"])
def test_the_open_form_refuses_any_other_year(client, seeded, lead, wanted):
    finalise(seeded, 2018)
    client.force_login(lead)
    response = client.post(
        url("assessment-open", seeded), {"year": wanted, "kind": "annual_review"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["year"] == [
        "Only 2019 can be opened: years are opened one at a time, each the year after the "
        "latest (2018)."
    ]
    assert not Assessment.objects.filter(organisation=seeded, year__gt=2018).exists()


@pytest.mark.django_db
def test_the_open_page_says_why_nothing_can_be_opened(client, seeded, lead):
    client.force_login(lead)
    response = client.get(url("assessment-open", seeded))
    page = body(response)
    assert "2018 is still in assessor review: 2019 can be opened once" in page
    assert 'name="year"' not in page and "Open the year" not in page
    response = client.post(url("assessment-open", seeded), {"year": 2019, "kind": "annual_review"})
    assert response.status_code == 409
    assert "2018 is still in assessor review" in body(response)
    assert not Assessment.objects.filter(organisation=seeded, year=2019).exists()
    # The years list says so too, instead of offering the button.
    page = body(client.get(url("assessment-list", seeded)))
    assert "2018 is still in assessor review" in page
    assert f'href="{url("assessment-open", seeded)}"' not in page


@pytest.mark.django_db
def test_the_first_year_form_offers_the_years_a_record_may_hold(client, org, cse_standard, lead):
    client.force_login(lead)
    response = client.get(url("assessment-open", org))
    page = body(response)
    assert f'min="{FIRST_YEAR}"' in page and f'max="{NEXT_YEAR}"' in page
    response = client.post(url("assessment-open", org), {"year": "2040", "kind": "initial"})
    assert response.context["form"].errors["year"] == [
        f'"2040" is not a year — use a year from 1990 to {NEXT_YEAR}'
    ]
    response = client.post(url("assessment-open", org), {"year": "²⁰¹⁸", "kind": "initial"})
    assert response.status_code == 200 and response.context["form"].errors["year"]
    assert not Assessment.objects.filter(organisation=org).exists()


@pytest.mark.django_db
def test_the_open_form_refuses_a_far_visit_date_and_keeps_what_was_typed(client, seeded, lead):
    finalise(seeded, 2018)
    client.force_login(lead)
    response = client.post(
        url("assessment-open", seeded),
        {"year": "2019", "kind": "reassessment", "visit_date": "2091-11-20"},
    )
    form = response.context["form"]
    assert form.errors["visit_date"][0].startswith("The visit for 2019 must fall between")
    page = body(response)
    assert 'value="2091-11-20"' in page and 'value="reassessment" selected' in page


@pytest.mark.django_db
def test_the_opened_message_counts_in_words(client, org, cse_standard, lead):
    client.force_login(lead)
    client.post(url("assessment-open", org), {"year": "2024", "kind": "initial"})
    y2024 = Assessment.objects.get(organisation=org, year=2024)
    ElementResult.objects.filter(assessment=y2024, element__ref="1.1.1").update(rating="C")
    finalise(org, 2024)
    response = client.post(
        url("assessment-open", org), {"year": "2025", "kind": "annual_review"}, follow=True
    )
    message = messages_of(response)[-1]
    assert "the ratings of 1 element and 0 evidence links" in message


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.QUALITY_LEAD, 200), (Role.ASSESSOR, 200), (Role.GOVERNING_BODY, 403)],
)
@pytest.mark.django_db
def test_who_may_change_a_years_details(client, y2019, member_of, role, status):
    org = y2019.organisation
    client.force_login(member_of(org, role))
    path = url("year-details", org, 2019)
    assert client.get(path).status_code == status
    response = client.post(path, {"kind": "reassessment", "visit_date": "2019-11-20"})
    assert response.status_code == (302 if status == 200 else 403)
    y2019.refresh_from_db()
    assert (y2019.visit_date == date(2019, 11, 20)) == (status == 200)


@pytest.mark.django_db
def test_the_details_page_sets_the_visit_date(client, y2019, lead):
    org = y2019.organisation
    client.force_login(lead)
    grid = body(client.get(url("year", org, 2019)))
    assert f'href="{url("year-details", org, 2019)}"' in grid
    response = client.post(
        url("year-details", org, 2019),
        {"kind": "annual_review", "visit_date": "2019-11-20"},
        follow=True,
    )
    assert response.redirect_chain == [(url("year", org, 2019), 302)]
    assert messages_of(response) == ["The details of 2019 are saved."]
    assert "assessor's visit 20 November 2019" in body(response)
    response = client.post(
        url("year-details", org, 2019),
        {"kind": "annual_review", "visit_date": "2019-11-20"},
        follow=True,
    )
    assert messages_of(response) == ["The details of 2019 had not changed."]


@pytest.mark.django_db
def test_the_details_page_keeps_a_refused_date(client, y2019, lead):
    client.force_login(lead)
    response = client.post(
        url("year-details", y2019.organisation, 2019),
        {"kind": "initial", "visit_date": "2091-11-20"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["visit_date"]
    assert 'value="2091-11-20"' in body(response)
    kind = y2019.kind
    y2019.refresh_from_db()
    assert y2019.visit_date is None and y2019.kind == kind


@pytest.mark.django_db
def test_the_details_of_a_finalised_year_are_refused(client, seeded, lead):
    client.force_login(lead)
    path = url("year-details", seeded, 2017)
    response = client.get(path)
    assert response.status_code == 403 and "2017 is finalised" in body(response)
    response = client.post(path, {"kind": "reassessment", "visit_date": "2017-10-01"})
    assert response.status_code == 403
    assert Assessment.objects.get(organisation=seeded, year=2017).visit_date is None
    assert f'href="{path}"' not in body(client.get(url("year", seeded, 2017)))


@pytest.mark.parametrize(
    "role", [Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY], ids=lambda r: r.value
)
@pytest.mark.django_db
def test_only_admins_delete_a_year(client, y2019, member_of, role):
    org = y2019.organisation
    client.force_login(member_of(org, role))
    assert client.get(url("year-delete", org, 2019)).status_code == 403
    assert client.post(url("year-delete", org, 2019)).status_code == 403
    assert Assessment.objects.filter(pk=y2019.pk).exists()
    assert f'href="{url("year-delete", org, 2019)}"' not in body(client.get(url("year", org, 2019)))


@pytest.mark.django_db
def test_an_admin_deletes_a_year_after_confirming(client, y2019, org_admin):
    org = y2019.organisation
    client.force_login(org_admin)
    assert f'href="{url("year-delete", org, 2019)}"' in body(client.get(url("year", org, 2019)))
    page = body(client.get(url("year-delete", org, 2019)))
    assert "Delete 2019?" in page
    assert "72 element results" in page and "1 evidence link" in page
    assert "The evidence items stay in the library" in page
    assert Assessment.objects.filter(pk=y2019.pk).exists()  # GET changes nothing
    response = client.post(url("year-delete", org, 2019), follow=True)
    assert response.redirect_chain == [(url("assessment-list", org), 302)]
    [message] = messages_of(response)
    assert message == (
        "2019 was deleted, with its 72 element results and 1 evidence link; the evidence "
        "items stay in the library. You can open 2019 again."
    )
    assert not Assessment.objects.filter(pk=y2019.pk).exists()


@pytest.mark.django_db
def test_the_delete_page_says_why_a_year_cannot_be_deleted(client, y2019, org_admin):
    org = y2019.organisation
    ElementResult.objects.filter(assessment=y2019, element__ref="2.1.4").update(sampled=True)
    client.force_login(org_admin)
    # The grid does not offer what the rules refuse.
    grid = body(client.get(url("year", org, 2019)))
    assert f'href="{url("year-delete", org, 2019)}"' not in grid
    assert f'href="{url("year-details", org, 2019)}"' in grid
    page = body(client.get(url("year-delete", org, 2019)))
    assert "2019 has 1 assessor mark (ratings, sampling or comments)" in page
    assert 'type="submit"' not in page.split('id="delete-year"')[-1]
    response = client.post(url("year-delete", org, 2019))
    assert response.status_code == 409
    assert Assessment.objects.filter(pk=y2019.pk).exists()


@pytest.mark.django_db
def test_the_grid_asks_only_whether_the_rules_allow_a_deletion(
    y2019, seeded, django_assert_num_queries
):
    """The grid offers the deletion by ``may_delete`` (the latest year and the assessor's
    marks, two queries), which agrees with what the deletion page says."""
    years = {year: Assessment.objects.get(organisation=seeded, year=year) for year in (2017, 2018)}
    years[2019] = y2019
    for year, allowed in ((2017, False), (2018, False), (2019, True)):
        with django_assert_num_queries(0 if years[year].is_finalised else 2):
            assert may_delete(years[year]) is allowed
        assert deletion(years[year]).allowed is allowed
    ElementResult.objects.filter(assessment=y2019, element__ref="2.1.4").update(comment="Seen.")
    assert not may_delete(y2019) and not deletion(y2019).allowed
    y2018 = years[2018]
    y2018.status = "self_assessment"  # reopened, say: not the latest year
    assert not may_delete(y2018) and not deletion(y2018).allowed


@pytest.mark.django_db
def test_a_finalised_year_cannot_be_deleted_from_the_page(client, seeded, org_admin):
    client.force_login(org_admin)
    assert client.get(url("year-delete", seeded, 2017)).status_code == 403
    assert client.post(url("year-delete", seeded, 2017)).status_code == 403
    assert Assessment.objects.filter(organisation=seeded, year=2017).exists()


# --- carried-forward counts are labelled -----------------------------------------------------


@pytest.mark.django_db
def test_the_years_list_labels_carried_forward_counts(client, y2019, board):
    org = y2019.organisation
    client.force_login(board)
    response = client.get(url("assessment-list", org))
    latest = response.context["years"][0]
    assert latest.assessment.year == 2019
    assert latest.note == "Carried forward from 2018, not yet assessed"
    page = body(response)
    assert "Carried forward from 2018, not yet assessed" in page
    # The finalised 2018 row carries no such label.
    assert response.context["years"][1].note == ""


@pytest.mark.django_db
def test_the_dashboard_labels_carried_forward_counts(client, y2019, board):
    client.force_login(board)
    page = body(client.get(reverse("org:dashboard", args=[y2019.organisation.slug])))
    assert "Carried forward from 2018, not yet assessed" in page


@pytest.mark.django_db
def test_a_partly_assessed_year_says_how_much(client, y2019, board):
    ElementResult.objects.filter(
        assessment=y2019, element__ref__in=["1.1.1", "1.1.2"], element__parent__isnull=True
    ).update(carried_forward=False, rating="C")
    client.force_login(board)
    page = body(client.get(url("assessment-list", y2019.organisation)))
    assert "2 assessed so far; 55 carried forward from 2018" in page


@pytest.mark.django_db
def test_the_import_summary_labels_carried_forward_ratings(y2019):
    from assessments.figures import year_figures

    [figures] = year_figures([y2019]).values()
    assert figures.summary().startswith(
        "2019: CP 14, C 40, PC 3, NC 0 (of 57 elements; 57 carried forward, not yet assessed)"
    )


# --- a finalised year shows its outcome ------------------------------------------------------


@pytest.mark.django_db
def test_a_finalised_grid_shows_its_outcome_not_attention(client, seeded, lead):
    client.force_login(lead)
    response = client.get(url("year", seeded, 2017))
    page = body(response)
    assert (
        'id="outcome-heading">Outcome: <span class="outcome outcome-recommended_with_actions">'
        in page
    )
    assert "Certification recommended; Partial Compliance on 3 elements to remedy</span>" in page
    assert "Needs attention" not in page and "needs-attention" not in page
    assert "No self-rating" not in page and "No evidence linked" not in page
    assert 'name="attention"' not in page
    assert response.context["grid"].progress.needing_attention == 0
    element = body(client.get(url("element", seeded, 2017, "1.1.1")))
    assert "Needs attention" not in element


@pytest.mark.django_db
def test_an_open_grid_still_shows_what_needs_attention(client, seeded, lead):
    client.force_login(lead)
    page = body(client.get(url("year", seeded, 2018)))
    assert "Needs attention" in page and "No self-rating" in page
    assert "Outcome:" not in page


# --- round trip: every export imports back ---------------------------------------------------


@pytest.mark.django_db
def test_years_opened_in_the_browser_export_and_import_back(
    client, org, other_org, cse_standard, lead, tmp_path
):
    """The first year, then each next year up to next year: the export imports into another
    organisation, and exporting that gives the same file."""
    client.force_login(lead)
    first = THIS_YEAR - 1
    client.post(url("assessment-open", org), {"year": str(first), "kind": "initial"})
    ElementResult.objects.filter(assessment__organisation=org, element__ref="1.1.1").update(
        rating="CP", sampled=True
    )
    for opened in (THIS_YEAR, NEXT_YEAR):
        finalise(org, opened - 1)
        response = client.post(
            url("assessment-open", org), {"year": str(opened), "kind": "annual_review"}
        )
        assert response.status_code == 302, response.context["form"].errors
    # 2040 never opens, from the form or otherwise.
    finalise(org, NEXT_YEAR)
    response = client.post(url("assessment-open", org), {"year": "2040", "kind": "annual_review"})
    assert response.status_code == 409
    assert list(Assessment.objects.filter(organisation=org).values_list("year", flat=True)) == [
        first,
        THIS_YEAR,
        NEXT_YEAR,
    ]

    exported = io.StringIO()
    call_command("export_annex_one", "--org", org.slug, stdout=exported)
    text = exported.getvalue()
    assert text.startswith(f"ref,{first},{THIS_YEAR},{NEXT_YEAR}\n")
    assert "\n1.1.1,X CP,CP,CP\n" in text
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    call_command("import_annex_one", "--org", other_org.slug, str(path), stdout=io.StringIO())
    again = io.StringIO()
    call_command("export_annex_one", "--org", other_org.slug, stdout=again)
    assert again.getvalue() == text


@pytest.mark.django_db
def test_the_importer_refuses_what_the_form_refuses(org, cse_standard, tmp_path):
    path = tmp_path / "far.csv"
    path.write_text("ref,2040\n1.1.1,C\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command(
            "import_annex_one", "--org", org.slug, str(path), stdout=io.StringIO(),
            stderr=io.StringIO(),
        )  # fmt: skip


# --- the new pages are walked by the tenant isolation test -----------------------------------


def test_the_tenant_walk_covers_the_year_pages():
    from tests.test_tenant_isolation import TENANT_URLS

    names = {u.name for u in TENANT_URLS}
    assert {"org:year-details", "org:year-delete", "org:assessment-open"} <= names


def test_rules_module_has_no_database_access():
    """The rules are plain functions: importing and calling them needs no database."""
    assert rules.next_opening([], TODAY).allowed


# --- counts in words -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_says_1_assessment_not_1_assessments(org, cse_standard, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("ref,2018\n1.1.1,C\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_annex_one", "--org", org.slug, str(path), stdout=out)
    assert "1 assessment created, 72 results created, 0 results changed." in out.getvalue()
    path.write_text("ref,2018\n1.1.1,PC\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_annex_one", "--org", org.slug, str(path), stdout=out)
    assert "0 assessments created, 0 results created, 1 result changed." in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "ok"), [(2018, True), (NEXT_YEAR, True), (2040, False)])
def test_the_django_admin_takes_years_by_the_same_rule(org, cse_standard, year, ok):
    from assessments.admin import AssessmentAdminForm

    form = AssessmentAdminForm(
        {
            "organisation": org.pk,
            "standard": cse_standard.pk,
            "year": year,
            "kind": "initial",
            "status": "self_assessment",
            "visit_date": "",
        }
    )
    assert form.is_valid() == ok, form.errors
    if not ok:
        assert form.errors["year"] == [
            f'"{year}" is not a year — use a year from 1990 to {NEXT_YEAR}'
        ]


# --- real concurrency: two people open the organisation's first year at once -----------------


def _retrying_on_sqlite(target):
    """``target()``, again while SQLite's shared in-memory test database is locked by the other
    thread (a database file would wait by itself; PostgreSQL waits on its row locks)."""
    import time

    from django.db import OperationalError, connection

    deadline = time.monotonic() + 10
    while True:
        try:
            return target()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _in_threads(*targets) -> list[object]:
    import contextvars
    import threading

    from django.db import connections

    results: list[object] = [None] * len(targets)
    start = threading.Barrier(len(targets))

    def run(index, target):
        try:
            start.wait()
            results[index] = _retrying_on_sqlite(target)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            results[index] = error
        finally:
            connections.close_all()

    # In a copy of the test's context (organisations.tenancy), which a new thread lacks.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, i, t), daemon=True)
        for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive(), "a thread is stuck (a deadlock?)"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_first_years_opened_at_once_make_one(org, cse_standard, lead, member_of, monkeypatch):
    """Each reads "no years yet" and would open its own first year; the organisation's lock
    makes the second wait and then see the first: one year, and a clear refusal."""
    import time

    from assessments import services

    other = member_of(org, Role.ADMIN)
    slow = services.rules.opening_error

    def opening_error_slowly(years, year, today=None):
        time.sleep(0.2)  # both are between reading the years and writing theirs
        return slow(years, year, today)

    monkeypatch.setattr(services.rules, "opening_error", opening_error_slowly)
    results = _in_threads(
        lambda: open_year(org, THIS_YEAR - 1, acting_user=lead, kind="initial"),
        lambda: open_year(org, THIS_YEAR, acting_user=other, kind="initial"),
    )
    opened = [r for r in results if isinstance(r, Assessment)]
    refused = [r for r in results if isinstance(r, YearNotAllowed)]
    assert len(opened) == 1 and len(refused) == 1, results
    assert Assessment.objects.filter(organisation=org).count() == 1
    assert "can be opened" in str(refused[0])
