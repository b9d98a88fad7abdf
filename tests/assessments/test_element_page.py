"""An element's page in a year: /o/<org>/assessments/<year>/elements/<ref>/ — previous and next
element in the standard's order, the rating letters explained, the copy of an empty comment and
of a result nobody changed since the year was opened, and the self-assessment form drawn by a
template (the same drawing as the answer to its save)."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from assessments import services
from assessments.models import Assessment, ElementResult
from evidence.models import EvidenceLink
from organisations.models import Role
from standards.models import Element
from tests.assessments.support import (
    HX,
    add_evidence,
    url,
)
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

PREV = re.compile(r'<a class="element-pager-link" rel="prev" href="([^"]+)"')
NEXT = re.compile(r'<a class="element-pager-link text-end" rel="next" href="([^"]+)"')


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- previous and next -----------------------------------------------------------------------


def test_next_walks_every_element_and_sub_element_in_the_standards_order(client, y2018, lead):
    """From the first element, "next" leads through all 72 in order and stops at the last;
    "previous" leads back; the first has no "previous" link and the last no "next"."""
    org = y2018.organisation
    order = list(
        Element.objects.filter(standard=y2018.standard)
        .order_by("position")
        .values_list("ref", flat=True)
    )
    client.force_login(lead)
    path, seen, previous = url("element", org, 2018, order[0]), [], None
    while path:
        page = body(client.get(path))
        seen.append(re.search(r'<span class="element-ref">([^<]+)</span>', page)[1])
        back = PREV.search(page)
        assert (back and back[1]) == previous, seen[-1]
        previous, forward = path, NEXT.search(page)
        path = forward[1] if forward else None
    assert seen == order and len(seen) == 72


@pytest.mark.parametrize(
    ("ref", "before", "after"),
    [
        ("1.1.1", None, "1.1.2"),  # the first: no previous
        ("1.3.3", "1.3.2", "1.3.3.1"),  # an element, then its first sub-element
        ("1.3.3.2", "1.3.3.1", "1.3.4"),  # the last sub-element, then the next element
        ("1.3.5", "1.3.4.2", "2.1.1"),  # across criteria
    ],
)
def test_previous_and_next_show_their_ref_and_a_key(client, y2018, lead, ref, before, after):
    org = y2018.organisation
    client.force_login(lead)
    page = body(client.get(url("element", org, 2018, ref)))
    top = page.split('aria-label="Previous and next element"', 1)[1].split("</nav>", 1)[0]
    if before:
        assert f'rel="prev" href="{url("element", org, 2018, before)}"' in top
        assert 'data-key-nav="[" aria-keyshortcuts="["' in top
        assert f'<span class="element-ref fw-semibold">{before}</span>' in top
    else:
        assert 'rel="prev"' not in page
    assert f'rel="next" href="{url("element", org, 2018, after)}"' in top
    assert f'<span class="element-ref fw-semibold">{after}</span>' in top
    assert 'data-key-nav="]" aria-keyshortcuts="]"' in top


def test_the_last_element_has_no_next(client, y2018, board):
    last = Element.objects.filter(standard=y2018.standard).order_by("-position").first()
    client.force_login(board)
    page = body(client.get(url("element", y2018.organisation, 2018, last.ref)))
    assert 'rel="prev"' in page and 'rel="next"' not in page


@pytest.mark.usefixtures("drawn_pages")
def test_previous_and_next_cost_no_query_more(client, y2018, lead, django_assert_num_queries):
    """The neighbours come with the sub-elements, in one query of the year's elements (the
    page's count is pinned at 7 below; here with and without sub-elements)."""
    client.force_login(lead)
    for ref in ["1.3.3", "1.3.3.1", "1.1.1"]:
        path = url("element", y2018.organisation, 2018, ref)
        client.get(path)
        # session, user, membership with organisation, the result with its year (and whether
        # it changed in the year), the year's elements in order (sub-elements, previous and
        # next) with the earlier years' results, evidence links, improvement actions on the
        # element
        with django_assert_num_queries(7):
            client.get(path)


# --- rating letters --------------------------------------------------------------------------


def test_the_rating_letters_are_explained_on_the_page(client, y2018, board):
    client.force_login(board)
    page = body(client.get(url("element", y2018.organisation, 2018, "1.1.1")))
    assert "Rating letters:" in page and "Partial Compliance</li>" in page  # the legend
    # Each badge is read out as its name; the letters are for the eye.
    assert '<abbr title="Compliance Plus" aria-hidden="true">CP</abbr>' in page
    assert '<span class="visually-hidden">Compliance Plus</span>' in page


# --- copy ------------------------------------------------------------------------------------


def test_an_empty_comment_says_so_in_words(client, y2018, y2017, lead):
    org = y2018.organisation
    ElementResult.objects.filter(assessment__organisation=org, element__ref="1.1.1").update(
        comment=""
    )
    client.force_login(lead)
    page = body(client.get(url("element", org, 2018, "1.1.1")))
    comment = page.split('<dt class="col-5">Comment</dt>', 1)[1].split("</dd>", 1)[0]
    assert "No comment yet." in comment and "None" not in comment
    finalised = body(client.get(url("element", org, 2017, "1.1.1")))
    comment = finalised.split('<dt class="col-5">Comment</dt>', 1)[1].split("</dd>", 1)[0]
    assert "No comment." in comment and "None" not in comment
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(
        comment="Good survey work"
    )
    assert "Good survey work" in body(client.get(url("element", org, 2018, "1.1.1")))


@pytest.fixture
def y2019(y2018, lead):
    """2019 opened by the lead once 2018 is finalised: 2018's ratings carried forward."""
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
    return services.open_year(y2018.organisation, 2019, acting_user=lead)


def test_a_result_nobody_changed_says_it_was_carried_forward(client, y2019, lead, member_of):
    org = y2019.organisation
    client.force_login(lead)
    page = body(client.get(url("element", org, 2019, "1.1.1")))
    assert "Carried forward from 2018 when the year was opened; not changed since." in page
    assert "Last changed" not in page  # the lead opened the year, but changed nothing here

    other = member_of(org, Role.ADMIN)
    other.full_name = "Ada Admin"
    other.save()
    result = ElementResult.objects.get(assessment=y2019, element__ref="1.1.1")
    result.assessment = y2019
    services.set_self_assessment(result, acting_user=other, self_rating="C")
    page = body(client.get(url("element", org, 2019, "1.1.1")))
    assert "Carried forward from 2018 when the year was opened" not in page
    assert re.search(r"Last changed \d+ \w+ 2\d{3}, \d\d:\d\d by Ada Admin\.", page)


def test_a_result_of_a_first_year_nobody_changed_has_no_last_change(
    client, org, cse_standard, lead
):
    services.open_year(org, 2020, acting_user=lead)
    client.force_login(lead)
    page = body(client.get(url("element", org, 2020, "1.1.1")))
    assert "Last changed" not in page and "Carried forward" not in page


def test_the_dashboard_says_the_role_in_a_sentence(client, y2018, lead, board):
    client.force_login(lead)
    page = body(client.get(reverse("org:dashboard", args=[y2018.organisation.slug])))
    assert "You are a quality lead here." in page
    assert "Rating letters:" in page  # its CP/C/PC/NC columns are explained
    assert '<span class="visually-hidden">Non-Compliance</span></th>' in page
    client.force_login(board)
    page = body(client.get(reverse("org:dashboard", args=[y2018.organisation.slug])))
    assert "You are a member of the governing body here." in page


def test_the_years_list_explains_its_columns_without_tooltips(client, y2018, board):
    client.force_login(board)
    page = body(client.get(url("assessment-list", y2018.organisation)))
    assert "Rating letters:" in page
    assert '<span class="visually-hidden">Partial Compliance</span></th>' in page
    assert 'class="text-end carried-count" title=' not in page


# --- the self-assessment form: a template, one drawing ---------------------------------------


def _form(page: str) -> str:
    match = re.search(r'<form id="self-el-1-1-2".*?</form>', page, re.S)
    assert match
    without_token = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", match[0])
    return re.sub(r"data-save-status>.*?</p>", "data-save-status></p>", without_token)


def test_the_answer_to_a_save_is_the_pages_form_redrawn(client, y2018, lead):
    org = y2018.organisation
    path = url("element", org, 2018, "1.1.2")
    client.force_login(lead)
    response = client.post(
        url("self-assessment", org, 2018, "1.1.2"),
        {"self_rating": "PC", "self_notes": "Line one\nline <two>", "layout": "element"},
        headers=HX,
    )
    answer = body(response)
    assert "✓ Saved" in answer and 'id="attention-el-1-1-2"' in answer
    assert "line &lt;two&gt;</textarea>" in answer
    assert _form(answer) == _form(body(client.get(path)))
    stored = ElementResult.objects.get(assessment=y2018, element__ref="1.1.2")
    assert (stored.self_rating, stored.self_notes) == ("PC", "Line one\nline <two>")


def test_a_refused_rating_is_kept_on_the_page_as_sent(client, y2018, lead):
    org = y2018.organisation
    client.force_login(lead)
    response = client.post(
        url("self-assessment", org, 2018, "1.1.2"),
        {"self_rating": "XX", "self_notes": "Kept", "layout": "element"},
        headers=HX,
    )
    answer = body(response)
    assert '<option value="XX" selected>XX (not a rating)</option>' in answer
    assert "Not saved:" in answer and ">\nKept</textarea>" in answer
    assert 'aria-invalid="true"' in answer


def test_notes_starting_with_a_blank_line_keep_it(client, y2018, lead):
    """A textarea drops one newline after its tag: the drawing adds one, so notes that start
    with a blank line come back as saved."""
    org = y2018.organisation
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.2").update(
        self_notes="\nIndented"
    )
    client.force_login(lead)
    page = body(client.get(url("element", org, 2018, "1.1.2")))
    assert ">\n\nIndented</textarea>" in page


def test_every_url_of_a_linked_item_is_what_reverse_gives(client, y2018, lead, element):
    from evidence.models import EvidenceLink
    from tests.factories import EvidenceFactory

    org = y2018.organisation
    items = [EvidenceFactory(organisation=org, title=f"Item {n}", kind="file") for n in range(3)]
    links = [
        EvidenceLink.objects.create(
            evidence=item, assessment=y2018, element=element, carried_forward=True
        )
        for item in items
    ]
    client.force_login(lead)
    page = body(client.get(url("element", org, 2018, "1.1.1")))
    for link in links:
        expected = [
            reverse("org:evidence-detail", args=[org.slug, link.evidence_id]),
            reverse("org:evidence-download", args=[org.slug, link.evidence_id]),
            reverse("org:link-confirm", args=[org.slug, 2018, link.pk]),
            reverse("org:link-unlink", args=[org.slug, 2018, link.pk]),
            reverse("org:link-note", args=[org.slug, 2018, link.pk]),
        ]
        item = re.search(
            rf'<li class="list-group-item evidence-link" id="link-{link.pk}">.*?</li>', page, re.S
        )[0]
        for address in expected:
            assert f'"{address}"' in item, address


# --- the page, its evidence and its query count ------------------------------------------


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


@pytest.mark.usefixtures("drawn_pages")
@pytest.mark.parametrize("count", [10, 500])
def test_the_element_page_in_a_constant_number_of_queries(
    client, y2018, lead, count, django_assert_num_queries
):
    add_evidence(y2018, count, refs=["1.3.3"])
    client.force_login(lead)
    path = url("element", y2018.organisation, 2018, "1.3.3")
    client.get(path)  # the session remembers the organisation once
    # session, user, membership with organisation, the result with its year (one query:
    # queries.element_page_of), its updated_by and whether it changed in the year (its
    # element, parent, sub-criterion and criterion are the standard's: standards.memo), the
    # year's elements in order (sub-elements, previous and next) with the earlier years'
    # results, evidence links with their items and who confirmed them, improvement actions
    # on the element (actions/_element_panel.html)
    with django_assert_num_queries(7):
        response = client.get(path)
    assert len(response.context["page"].links) == count
    # With a library search (?q=): one more, the search.
    with django_assert_num_queries(8):
        client.get(path, {"q": "Item 1"})
