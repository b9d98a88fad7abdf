"""The quality lead's year: /o/<org>/assessments/… — the years, a year's grid, an element's
page, and the in-place edits (HTMX partials, or a plain post answered with a redirect).

Standing users, as in healthchecks: an admin and a quality lead (may change the
self-assessment and the evidence links), an assessor and a governing-body member (read; 403 on
every change), and outsiders, members of another organisation (404 everywhere, even with real
ids of this one). Anonymous visitors are sent to sign in.
"""

from datetime import date, timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import Assessment, ElementResult
from evidence.models import Evidence, EvidenceLink
from organisations.models import Role
from standards.models import Element
from tests.factories import EvidenceFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CHANGERS = [Role.ADMIN, Role.QUALITY_LEAD]
READERS = [Role.ASSESSOR, Role.GOVERNING_BODY]


def url(name: str, org, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def item(org):
    return EvidenceFactory(organisation=org, title="Customer profile 2018")


@pytest.fixture
def carried_link(y2018, element, item):
    """A link carried forward into 2018, not yet re-confirmed."""
    return EvidenceLink.objects.create(
        evidence=item, assessment=y2018, element=element, note="Profile", carried_forward=True
    )


@pytest.fixture
def old_link(y2017, element, item):
    """A link in the finalised 2017."""
    return EvidenceLink.objects.create(
        evidence=item, assessment=y2017, element=element, note="Old profile"
    )


@pytest.fixture
def spare(org):
    """An item of the library linked to nothing yet."""
    return EvidenceFactory(organisation=org, title="Satisfaction survey results")


def every_change(org, year: int, link, spare) -> list[tuple[str, dict]]:
    """(url, data) of every POST endpoint, with real ids, in an order that can all succeed."""
    return [
        (url("self-assessment", org, year, "1.1.1"), {"self_rating": "NC", "self_notes": "x"}),
        (url("element-link", org, year, "1.1.1"), {"evidence_id": spare.pk, "note": "x"}),
        (url("link-note", org, year, link.pk), {"note": "Changed"}),
        (url("link-confirm", org, year, link.pk), {}),
        (url("link-unlink", org, year, link.pk), {}),
    ]


def every_page(org) -> list[str]:
    return [
        url("assessment-list", org),
        url("year", org, 2018),
        url("year", org, 2017),
        url("element", org, 2018, "1.1.1"),
        url("element", org, 2018, "1.3.3"),
        url("element", org, 2018, "1.3.3.1"),
        url("element", org, 2017, "1.1.1"),
    ]


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_every_page(client, y2018, carried_link, member_of, role):
    client.force_login(member_of(y2018.organisation, role))
    for path in every_page(y2018.organisation):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.QUALITY_LEAD, 200), (Role.ASSESSOR, 200), (Role.GOVERNING_BODY, 403)],
)
def test_who_may_open_a_year(client, seeded, member_of, role, status):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(member_of(seeded, role))
    assert client.get(url("assessment-open", seeded)).status_code == status
    response = client.post(url("assessment-open", seeded), {"year": 2019, "kind": "annual_review"})
    assert response.status_code == (302 if status == 200 else 403)
    assert Assessment.objects.filter(organisation=seeded, year=2019).exists() == (status == 200)


@pytest.mark.parametrize("role", READERS)
def test_assessors_and_the_board_change_nothing(
    client, y2018, carried_link, spare, member_of, role
):
    org = y2018.organisation
    client.force_login(member_of(org, role))
    for path, data in every_change(org, 2018, carried_link, spare):
        assert client.post(path, data).status_code == 403, path
        assert client.post(path, data, headers=HX).status_code == 403, path
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("", "")
    carried_link.refresh_from_db()
    assert (carried_link.note, carried_link.confirmed_at) == ("Profile", None)
    assert not EvidenceLink.objects.filter(evidence=spare).exists()
    # Nor do they see a control to try.
    for path in [url("year", org, 2018), url("element", org, 2018, "1.1.1")]:
        page = body(client.get(path))
        assert "self-form" not in page and "link-note-form" not in page
        assert "Re-confirm" not in page and 'name="evidence_id"' not in page
    assert client.get(url("element-evidence-search", org, 2018, "1.1.1")).status_code == 403


@pytest.mark.parametrize("role", CHANGERS)
def test_admins_and_leads_change_the_self_assessment_and_links(
    client, y2018, carried_link, spare, member_of, role
):
    org = y2018.organisation
    client.force_login(member_of(org, role))
    for path, data in every_change(org, 2018, carried_link, spare):
        response = client.post(path, data)
        assert response.status_code == 302, path
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("NC", "x")
    assert EvidenceLink.objects.filter(evidence=spare, assessment=y2018, note="x").exists()
    assert not EvidenceLink.objects.filter(pk=carried_link.pk).exists()  # unlinked last
    assert Evidence.objects.filter(pk=carried_link.evidence_id).exists()  # still in the library


@pytest.mark.parametrize("role", list(Role))
def test_outsiders_get_404_with_real_ids(client, y2018, carried_link, spare, other_org, role):
    org = y2018.organisation
    client.force_login(MembershipFactory(organisation=other_org, role=role).user)
    for path in [*every_page(org), url("assessment-open", org)]:
        assert client.get(path).status_code == 404, path
    for path, data in every_change(org, 2018, carried_link, spare):
        assert client.post(path, data).status_code == 404, path
        assert client.post(path, data, headers=HX).status_code == 404, path
    assert EvidenceLink.objects.filter(pk=carried_link.pk, note="Profile").exists()


def test_another_tenants_ids_are_not_found_through_this_tenants_urls(
    client, y2018, lead, other_org, cse_standard
):
    """A lead of A, with B's link and evidence ids in A's URLs: 404, nothing changes."""
    from assessments.services import open_year

    theirs = open_year(other_org, 2018, acting_user=None)
    their_item = EvidenceFactory(organisation=other_org)
    their_link = EvidenceLink.objects.create(
        evidence=their_item, assessment=theirs, element=Element.objects.get(ref="1.1.1")
    )
    org = y2018.organisation
    client.force_login(lead)
    for name in ["link-note", "link-confirm", "link-unlink"]:
        assert client.post(url(name, org, 2018, their_link.pk), {"note": "x"}).status_code == 404
    response = client.post(url("element-link", org, 2018, "1.1.1"), {"evidence_id": their_item.pk})
    assert response.status_code == 404
    assert not EvidenceLink.objects.filter(assessment=y2018).exists()
    assert EvidenceLink.objects.filter(pk=their_link.pk, note="").exists()


def test_unknown_years_refs_and_links_are_404(client, y2018, lead, carried_link, y2017):
    org = y2018.organisation
    client.force_login(lead)
    assert client.get(url("year", org, 2031)).status_code == 404
    assert client.get(url("element", org, 2018, "9.9.9")).status_code == 404
    assert client.get(url("element", org, 2018, "1.1")).status_code == 404
    assert client.post(url("self-assessment", org, 2018, "9.9.9"), {}).status_code == 404
    # A link of 2018 through 2017's URL: not found there.
    assert client.post(url("link-note", org, 2017, carried_link.pk), {}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, y2018, carried_link, spare):
    org = y2018.organisation
    for path in every_page(org):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    for path, data in every_change(org, 2018, carried_link, spare):
        assert client.post(path, data)["Location"].startswith(reverse("login"))


def test_changes_need_a_post(client, y2018, lead, carried_link):
    org = y2018.organisation
    client.force_login(lead)
    assert client.get(url("self-assessment", org, 2018, "1.1.1")).status_code == 405
    assert client.get(url("link-unlink", org, 2018, carried_link.pk)).status_code == 405


# --- the years -------------------------------------------------------------------------------


def test_the_years_list(client, seeded, lead):
    Assessment.objects.filter(organisation=seeded, year=2018).update(visit_date=date(2018, 11, 21))
    client.force_login(lead)
    response = client.get(url("assessment-list", seeded))
    page = body(response)
    for year in range(2014, 2019):
        assert f'href="{url("year", seeded, year)}"' in page
    assert "Initial assessment" in page and "Annual review" in page
    assert "21 Nov 2018" in page
    assert "Certified; partial compliance on 3 elements to address" in page  # 2017
    assert "Not yet known" in page  # 2018
    # 2018 is with the assessor: no year can be opened, and the page says why.
    assert "No new year can be opened yet" in page and "2018 is still in assessor review" in page
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    assert "Open 2019" in body(client.get(url("assessment-list", seeded)))


def test_the_board_sees_no_open_button(client, seeded, board):
    client.force_login(board)
    assert "Open a new year" not in body(client.get(url("assessment-list", seeded)))


def test_the_dashboard_links_each_year_to_its_grid(client, seeded, lead):
    client.force_login(lead)
    page = body(client.get(reverse("org:dashboard", args=[seeded.slug])))
    assert f'href="{url("year", seeded, 2018)}"' in page
    assert f'href="{url("assessment-list", seeded)}"' in page


def test_the_open_form_defaults_to_the_next_year(client, seeded, lead):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(lead)
    form = client.get(url("assessment-open", seeded)).context["form"]
    # 2014 initial, then four annual reviews: the cycle calls for a reassessment.
    assert form["year"].value() == 2019 and form["kind"].value() == "reassessment"


def test_the_first_year_defaults_to_an_initial_assessment(client, org, cse_standard, lead):
    client.force_login(lead)
    form = client.get(url("assessment-open", org)).context["form"]
    assert form["year"].value() == timezone.localdate().year
    assert form["kind"].value() == "initial"


def test_opening_a_year_carries_results_and_evidence_forward(client, y2018, lead, carried_link):
    org = y2018.organisation
    Assessment.objects.filter(pk=y2018.pk).update(status="finalised")
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    result.self_rating, result.self_notes = "CP", "Profile refreshed"
    result.save()
    client.force_login(lead)
    response = client.post(
        url("assessment-open", org),
        {"year": 2019, "kind": "reassessment", "visit_date": "2019-11-20"},
        follow=True,
    )
    assert response.redirect_chain == [(url("year", org, 2019), 302)]
    [message] = messages_of(response)
    assert "Carried forward from 2018" in message and "1 evidence link" in message
    y2019 = Assessment.objects.get(organisation=org, year=2019)
    assert (y2019.kind, y2019.visit_date) == ("reassessment", date(2019, 11, 20))
    new = ElementResult.objects.get(assessment=y2019, element__ref="1.1.1")
    assert (new.rating, new.self_rating, new.self_notes, new.carried_forward) == (
        "CP",
        "CP",
        "Profile refreshed",
        True,
    )
    carried = EvidenceLink.objects.get(assessment=y2019)
    assert carried.carried_forward and carried.needs_confirmation
    # The grid and the element page say so.
    assert "carried forward" in body(response)
    page = body(client.get(url("element", org, 2019, "1.1.1")))
    assert "Re-confirm for 2019" in page and "carried forward" in page


def test_a_year_that_exists_is_a_form_error(client, seeded, lead):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(lead)
    response = client.post(url("assessment-open", seeded), {"year": 2018, "kind": "annual_review"})
    assert response.status_code == 200
    assert "There is a 2018 assessment already" in response.context["form"].errors["year"][0]
    assert Assessment.objects.filter(organisation=seeded).count() == 5


@pytest.mark.parametrize("year", ["", "abc", "1999", "2101"])
def test_a_bad_year_is_a_form_error(client, seeded, lead, year):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(lead)
    response = client.post(url("assessment-open", seeded), {"year": year, "kind": "annual_review"})
    assert response.status_code == 200 and response.context["form"].errors["year"]


# --- the grid --------------------------------------------------------------------------------


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


# --- the self-assessment: HTMX and plain posts ------------------------------------------------


def test_htmx_save_answers_the_partial_with_saved(client, y2018, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "CP", "self_notes": "Profile refreshed", "layout": "element"},
        headers=HX,
    )
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page and 'id="self-el-1-1-1"' in page
    assert "Saved" in page
    assert 'id="save-announcer" hx-swap-oob="innerHTML"' in page
    assert "Self-assessment of 1.1.1 saved" in page
    # The row's attention is sent along: the self-rating no longer missing.
    assert 'id="attention-el-1-1-1"' in page and "hx-swap-oob" in page
    assert "No self-rating" not in page
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes, result.updated_by) == (
        "CP",
        "Profile refreshed",
        lead,
    )
    assert result.history.latest().history_user == lead


def test_the_grid_posts_the_rating_alone_and_the_notes_stay(client, y2018, lead):
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(self_notes="Kept")
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "PC", "layout": "grid"},
        headers=HX,
    )
    page = body(response)
    assert "Saved" in page and "self-form-grid" in page and "self_notes" not in page
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("PC", "Kept")


def test_a_plain_post_redirects_to_the_row_with_a_message(client, y2018, lead):
    org = y2018.organisation
    client.force_login(lead)
    grid = url("year", org, 2018) + "?criterion=1"
    response = client.post(
        url("self-assessment", org, 2018, "1.1.2"),
        {"self_rating": "C", "layout": "grid", "next": grid},
    )
    assert response.status_code == 302
    assert response["Location"] == grid + "#el-1-1-2"
    page = client.get(response["Location"])
    assert "The self-assessment of 1.1.2 is saved." in messages_of(page)
    # Again with the same value: nothing changed, and it says so.
    response = client.post(
        url("self-assessment", org, 2018, "1.1.2"), {"self_rating": "C", "layout": "grid"}
    )
    assert response["Location"] == url("year", org, 2018) + "#el-1-1-2"
    assert "had not changed" in messages_of(client.get(response["Location"]))[0]


def test_a_plain_post_from_the_element_page_returns_there(client, y2018, lead):
    client.force_login(lead)
    org = y2018.organisation
    response = client.post(
        url("self-assessment", org, 2018, "1.3.3.1"), {"self_rating": "C", "self_notes": "n"}
    )
    assert response["Location"] == url("element", org, 2018, "1.3.3.1") + "#el-1-3-3-1"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x"])
def test_next_never_leaves_the_site(client, y2018, lead, next_url):
    client.force_login(lead)
    org = y2018.organisation
    response = client.post(
        url("self-assessment", org, 2018, "1.1.1"),
        {"self_rating": "C", "layout": "grid", "next": next_url},
    )
    assert response["Location"] == url("year", org, 2018) + "#el-1-1-1"


def test_an_invalid_rating_keeps_what_was_typed_htmx(client, y2018, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "ZZ", "self_notes": "Typed with care", "layout": "element"},
        headers=HX,
    )
    assert response.status_code == 200  # HTMX swaps it as it is
    page = body(response)
    assert "Not saved" in page and "“ZZ” is not a rating" in page
    assert '<option value="ZZ" selected>' in page and "Typed with care" in page
    assert 'aria-invalid="true"' in page
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("", "")


def test_an_invalid_rating_keeps_what_was_typed_plain(client, y2018, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "ZZ", "self_notes": "Typed with care"},
    )
    assert response.status_code == 200
    page = body(response)
    assert "<html" in page and "Typed with care" in page and "“ZZ” is not a rating" in page
    assert any("was not saved" in m for m in messages_of(response))
    assert ElementResult.objects.get(assessment=y2018, element__ref="1.1.1").self_rating == ""


def test_notes_too_long_are_refused_and_kept(client, y2018, lead):
    client.force_login(lead)
    notes = "n" * 5001
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "C", "self_notes": notes},
        headers=HX,
    )
    assert "Not saved" in body(response) and notes in body(response)
    assert ElementResult.objects.get(assessment=y2018, element__ref="1.1.1").self_rating == ""


def test_a_finalised_year_refuses_every_post(client, y2017, lead, old_link, spare):
    client.force_login(lead)
    org = y2017.organisation
    before = list(ElementResult.objects.filter(assessment=y2017).values())
    for path, data in every_change(org, 2017, old_link, spare):
        plain = client.post(path, data)
        assert plain.status_code == 403, path
        assert "2017 is finalised" in body(plain) and "<html" in body(plain)
        partial = client.post(path, data, headers=HX)
        assert partial.status_code == 403, path
        assert partial["X-Portal-Partial"] == "1"
        assert "2017 is finalised" in body(partial) and "<html" not in body(partial)
    assert list(ElementResult.objects.filter(assessment=y2017).values()) == before
    old_link.refresh_from_db()
    assert old_link.note == "Old profile"
    assert not EvidenceLink.objects.filter(evidence=spare).exists()


def test_the_locked_partial_keeps_the_submitted_values(client, y2017, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2017.organisation, 2017, "1.1.1"),
        {"self_rating": "C", "self_notes": "Too late", "layout": "element"},
        headers=HX,
    )
    page = body(response)
    assert response.status_code == 403 and "Too late" in page and "disabled" in page
    assert "hx-post" not in page  # nothing left to send


# --- evidence on the element page ------------------------------------------------------------


def test_the_element_page(client, y2018, lead, carried_link):
    client.force_login(lead)
    org = y2018.organisation
    response = client.get(url("element", org, 2018, "1.1.1"))
    page = body(response)
    assert "We have an in-depth understanding" in page
    assert "A profile of the organisation" in page  # guidance
    assert "Customer profile 2018" in page and "Profile" in page
    assert "Re-confirm for 2018" in page and "Unlink" in page
    assert 'id="evidence-q"' in page  # the library search
    assert "data-evidence-uploader" in page  # the upload widget, linking to 1.1.1
    assert "1.1.1 in earlier years" in page
    for year in [2017, 2016, 2015, 2014]:
        assert f'href="{url("element", org, year, "1.1.1")}"' in page
    parent = body(client.get(url("element", org, 2018, "1.3.3")))
    assert f'href="{url("element", org, 2018, "1.3.3.1")}"' in parent  # its sub-elements
    child = body(client.get(url("element", org, 2018, "1.3.3.1")))
    assert "A sub-element of" in child
    assert f'href="{url("element", org, 2018, "1.3.3")}"' in child


def test_the_board_sees_no_download_links(client, y2018, board, lead, element):
    item = EvidenceFactory(organisation=y2018.organisation, kind="file", url="", title="Minutes")
    EvidenceLink.objects.create(evidence=item, assessment=y2018, element=element)
    try:
        download = url("evidence-download", y2018.organisation, item.pk)
    except NoReverseMatch:  # the evidence library is not there yet
        download = None
    client.force_login(board)
    page = body(client.get(url("element", y2018.organisation, 2018, "1.1.1")))
    assert "Minutes" in page and "Download" not in page
    if download:
        assert download not in page
        client.force_login(lead)
        assert download in body(client.get(url("element", y2018.organisation, 2018, "1.1.1")))


def test_the_library_search_without_javascript(client, y2018, lead, spare):
    client.force_login(lead)
    response = client.get(url("element", y2018.organisation, 2018, "1.1.1"), {"q": "survey"})
    page = body(response)
    assert "<html" in page and "Satisfaction survey results" in page
    assert f'name="evidence_id" value="{spare.pk}"' in page


# --- query counts ----------------------------------------------------------------------------


def add_evidence(assessment, count: int, refs: list[str] | None = None) -> None:
    """``count`` items of the library, linked round-robin to the year's elements (or
    ``refs``); every other item is past its review date."""
    org = assessment.organisation
    creator = UserFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    items = Evidence.objects.bulk_create(
        Evidence(
            organisation=org,
            kind="link",
            title=f"Item {n}",
            url=f"https://example.test/{n}",
            review_by=yesterday if n % 2 else None,
            created_by=creator,
        )
        for n in range(count)
    )
    elements = list(
        Element.objects.filter(standard=assessment.standard, ref__in=refs)
        if refs
        else Element.objects.filter(standard=assessment.standard)
    )
    EvidenceLink.objects.bulk_create(
        EvidenceLink(
            evidence=item,
            assessment=assessment,
            element=elements[n % len(elements)],
            carried_forward=bool(n % 3 == 0),
        )
        for n, item in enumerate(items)
    )


@pytest.mark.parametrize("count", [10, 500])
def test_the_grid_in_a_constant_number_of_queries(
    client, y2018, lead, count, django_assert_num_queries
):
    add_evidence(y2018, count)
    client.force_login(lead)
    path = url("year", y2018.organisation, 2018)
    client.get(path)  # the session remembers the organisation once
    # session, user, membership with organisation, assessment, criteria,
    # results with element/sub-criterion/criterion, evidence counts and overdue per element
    with django_assert_num_queries(7):
        response = client.get(path)
    progress = response.context["grid"].progress
    assert progress.evidenced + progress.sub_evidenced == min(count, 72)
    # The same with filters: they choose rows in Python.
    with django_assert_num_queries(7):
        client.get(path, {"criterion": "2", "self_rating": "none", "attention": "on"})


@pytest.mark.parametrize("count", [10, 500])
def test_the_element_page_in_a_constant_number_of_queries(
    client, y2018, lead, count, django_assert_num_queries
):
    add_evidence(y2018, count, refs=["1.3.3"])
    client.force_login(lead)
    path = url("element", y2018.organisation, 2018, "1.3.3")
    client.get(path)  # the session remembers the organisation once
    # session, user, membership with organisation, assessment,
    # result with element/parent/sub-criterion/criterion/updated_by and whether it changed in
    # the year, the year's elements in order (sub-elements, previous and next), evidence links
    # with their items and who confirmed them, earlier years' results
    with django_assert_num_queries(8):
        response = client.get(path)
    assert len(response.context["page"].links) == count
    # With a library search (?q=): one more, the search.
    with django_assert_num_queries(9):
        client.get(path, {"q": "Item 1"})


def test_the_years_list_in_a_constant_number_of_queries(
    client, seeded, lead, django_assert_num_queries
):
    client.force_login(lead)
    path = url("assessment-list", seeded)
    client.get(path)
    # session, user, membership with organisation, assessments,
    # year_figures: elements per standard, rating counts, sampled counts
    with django_assert_num_queries(7):
        client.get(path)
