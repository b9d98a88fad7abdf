"""The evidence library pages: /o/<org>/evidence/…

Standing users, as in healthchecks: the quality lead and the admin (may do everything here),
the assessor (reads and downloads, changes nothing: 403), the governing body (reads the list
and details, never a file: 403), and an outsider, a member of another organisation (404
everywhere, even with real ids of this organisation).
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from evidence import services
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from organisations.models import Role
from tests.evidence import samples
from tests.factories import (
    AssessmentFactory,
    ElementFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def url(name, org, *args):
    return reverse(f"org:{name}", args=[org.slug, *args])


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def item(org, lead):
    """A file item with an earlier version (so both downloads have something to send)."""
    first = services.add_file(
        org, services.check_upload(samples.upload("policy v1.pdf", samples.PDF)), acting_user=lead
    )
    new = services.check_upload(samples.upload("policy v2.pdf", samples.unique_pdf(2)))
    return services.replace_file(first, new, acting_user=lead)


@pytest.fixture
def version(item):
    return item.versions.get()


def every_url(org, item, version):
    """(what it needs, method, url, data) for each page and endpoint, with real ids."""
    one = samples.upload("new.pdf", samples.unique_pdf(99))
    return [
        ("view", "get", url("evidence-list", org), {}),
        ("view", "get", url("evidence-detail", org, item.pk), {}),
        ("download", "get", url("evidence-download", org, item.pk), {}),
        ("download", "get", url("evidence-version-download", org, item.pk, version.pk), {}),
        ("edit", "get", url("evidence-add", org), {}),
        ("edit", "get", url("evidence-add", org) + "?kind=link", {}),
        ("edit", "post", url("evidence-add", org), {"kind": "note", "title": "N", "body": "B"}),
        ("edit", "post", url("evidence-upload", org), {"files": [one]}),
        ("edit", "get", url("evidence-edit", org, item.pk), {}),
        ("edit", "post", url("evidence-edit", org, item.pk), {"title": "Changed"}),
        ("edit", "get", url("evidence-replace", org, item.pk), {}),
        ("edit", "get", url("evidence-delete", org, item.pk), {}),
        ("edit", "post", url("evidence-delete", org, item.pk), {}),
    ]


EXPECTED = {
    # role: (view, download, edit)
    Role.ADMIN: (200, 200, None),
    Role.QUALITY_LEAD: (200, 200, None),
    Role.ASSESSOR: (200, 200, 403),
    Role.GOVERNING_BODY: (200, 403, 403),
}


@pytest.mark.parametrize("role", list(Role))
def test_who_may_do_what(client, org, member_of, item, version, role):
    client.force_login(member_of(org, role))
    view, download, edit = EXPECTED[role]
    for need, method, path, data in every_url(org, item, version):
        response = getattr(client, method)(path, data)
        expected = {"view": view, "download": download, "edit": edit}[need]
        if expected is None:  # allowed: a page, or a redirect after a change
            assert response.status_code in {200, 302}, (method, path, response.status_code)
        else:
            assert response.status_code == expected, (method, path)
    if edit == 403:
        item.refresh_from_db()
        assert item.title == "policy v1"
        assert Evidence.objects.count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_outsiders_get_404_everywhere(client, org, other_org, item, version, role):
    client.force_login(MembershipFactory(organisation=other_org, role=role).user)
    for _, method, path, data in every_url(org, item, version):
        assert getattr(client, method)(path, data).status_code == 404, (method, path)
    assert Evidence.objects.count() == 1


def test_another_orgs_ids_under_my_org_are_404(client, org, other_org, lead, outsider):
    theirs = services.add_file(
        other_org, services.check_upload(samples.upload("x.pdf", samples.PDF)), acting_user=outsider
    )
    services.replace_file(
        theirs,
        services.check_upload(samples.upload("y.pdf", samples.unique_pdf(1))),
        acting_user=outsider,
    )
    their_version = theirs.versions.get()
    client.force_login(lead)
    for name, args in [
        ("evidence-detail", [theirs.pk]),
        ("evidence-edit", [theirs.pk]),
        ("evidence-replace", [theirs.pk]),
        ("evidence-delete", [theirs.pk]),
        ("evidence-download", [theirs.pk]),
        ("evidence-version-download", [theirs.pk, their_version.pk]),
    ]:
        assert client.get(url(name, org, *args)).status_code == 404, name
    assert client.post(url("evidence-delete", org, theirs.pk)).status_code == 404
    assert Evidence.objects.filter(pk=theirs.pk).exists()


def test_a_version_is_found_only_through_its_own_item(client, org, lead, item, version):
    other = EvidenceFactory(organisation=org, kind="file")
    client.force_login(lead)
    path = url("evidence-version-download", org, other.pk, version.pk)
    assert client.get(path).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, org, item):
    response = client.get(url("evidence-download", org, item.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the library -------------------------------------------------------------------------------


@pytest.fixture
def element():
    return ElementFactory(ref="1.1.1", text="We have an in-depth understanding of our customers.")


@pytest.fixture
def year(org, element):
    return AssessmentFactory(organisation=org, standard=element.standard, year=2018)


def test_the_library_lists_items_with_their_links(client, org, lead, board, element, year):
    linked = EvidenceFactory(
        organisation=org,
        title="Customer profile",
        description="Population by age and need",
        owner=lead,
        evidence_date=timezone.localdate() - timedelta(days=100),
        review_by=timezone.localdate() - timedelta(days=1),
    )
    EvidenceLinkFactory(evidence=linked, assessment=year, element=element, carried_forward=True)
    EvidenceFactory(organisation=org, title="Engagement strategy", kind="note", body="text")
    client.force_login(board)
    response = client.get(url("evidence-list", org))
    page = body(response)
    assert response.status_code == 200
    assert "Customer profile" in page and "Engagement strategy" in page
    assert "Population by age and need" in page
    assert "2018 · 1.1.1" in page
    assert "not re-confirmed" in page
    assert "Overdue" in page  # in words, not colour alone
    assert "Written note" in page and "Web link" in page
    # The governing body reads, but is offered no change and no file.
    assert "Add evidence" not in page
    assert "/download/" not in page
    # No inline script or style: the CSP forbids them.
    assert "style=" not in page
    assert "<script>" not in page


def test_a_confirmed_carried_forward_link_is_not_marked(client, org, lead, element, year):
    item = EvidenceFactory(organisation=org)
    EvidenceLinkFactory(
        evidence=item,
        assessment=year,
        element=element,
        carried_forward=True,
        confirmed_at=timezone.now(),
        confirmed_by=lead,
    )
    client.force_login(lead)
    assert "not re-confirmed" not in body(client.get(url("evidence-list", org)))


@pytest.fixture
def library(org, lead, member_of, element, year):
    admin = member_of(org, Role.ADMIN)
    today = timezone.localdate()
    items = {
        "profile": EvidenceFactory(
            organisation=org, title="Customer profile", description="Census data", owner=lead
        ),
        "survey": EvidenceFactory(
            organisation=org,
            title="Satisfaction survey",
            description="Results by customer group",
            owner=admin,
            review_by=today - timedelta(days=3),
        ),
        "note": EvidenceFactory(
            organisation=org, title="Call-back practice", kind="note", body="b", owner=admin
        ),
        "file": EvidenceFactory(
            organisation=org,
            title="Complaints policy",
            kind="file",
            owner=lead,
            review_by=today + timedelta(days=3),
        ),
    }
    EvidenceLinkFactory(evidence=items["profile"], assessment=year, element=element)
    later = AssessmentFactory(organisation=org, standard=element.standard, year=2019)
    EvidenceLinkFactory(evidence=items["profile"], assessment=later, element=element)
    EvidenceLinkFactory(
        evidence=items["survey"],
        assessment=year,
        element=ElementFactory(standard=element.standard, ref="1.2.1"),
    )
    return {"items": items, "admin": admin}


def listed(client, org, **params) -> list[str]:
    response = client.get(url("evidence-list", org), params)
    assert response.status_code == 200
    return [item.title for item in response.context["items"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            {"Customer profile", "Satisfaction survey", "Call-back practice", "Complaints policy"},
        ),
        ({"q": "survey"}, {"Satisfaction survey"}),
        ({"q": "CENSUS"}, {"Customer profile"}),  # the description too, any case
        ({"q": "customer results"}, {"Satisfaction survey"}),  # every word
        ({"element": "1.1.1", "year": "all"}, {"Customer profile"}),  # once, though in two years
        ({"element": "1.2.1"}, set()),  # linked in 2018, not in the current year (2019)
        ({"element": "1.2.1", "year": "2018"}, {"Satisfaction survey"}),
        ({"element": "5.3.3"}, set()),
        ({"kind": "note"}, {"Call-back practice"}),
        ({"kind": "file"}, {"Complaints policy"}),
        ({"overdue": "on"}, {"Satisfaction survey"}),
    ],
)
def test_filters(client, org, lead, library, params, expected):
    client.force_login(lead)
    titles = listed(client, org, **params)
    assert set(titles) == expected
    assert len(titles) == len(set(titles))


def test_filter_by_owner(client, org, lead, library):
    client.force_login(lead)
    assert set(listed(client, org, owner=library["admin"].pk)) == {
        "Satisfaction survey",
        "Call-back practice",
    }
    assert set(listed(client, org, owner=lead.pk, kind="file")) == {"Complaints policy"}


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "99999"},
        {"page": "99999999999999999999999"},
        {"element": "junk"},
        {"element": "1.1.1'; drop table"},
        {"owner": "abc"},
        {"owner": "99999999999999999999999"},
        {"owner": "-5"},
        {"kind": "zzz"},
        {"overdue": "maybe"},
        {"q": "x" * 5000},
        {"q": "%_\\"},
        {"q": "null\x00byte"},
        {"element": "1.1\x00"},
        {"page": "2\x00"},
    ],
)
def test_bad_query_parameters_never_500(client, org, lead, library, params):
    client.force_login(lead)
    response = client.get(url("evidence-list", org), params)
    # A NUL byte may be answered 400 by a middleware before it reaches the page.
    assert response.status_code == 200 or (
        "\x00" in "".join(params.values()) and response.status_code == 400
    )


def test_an_invalid_filter_is_shown_and_left_out(client, org, lead, library):
    client.force_login(lead)
    response = client.get(url("evidence-list", org), {"element": "junk", "kind": "note"})
    assert "“junk” is not an element reference" in body(response)
    assert [i.title for i in response.context["items"]] == ["Call-back practice"]


def test_pagination_keeps_the_filters(client, org, lead):
    for n in range(30):
        EvidenceFactory(organisation=org, title=f"Minutes {n:02d}", kind="note", body="b")
    EvidenceFactory(organisation=org, title="Minutes as a link")
    client.force_login(lead)
    first = client.get(url("evidence-list", org), {"kind": "note", "q": "minutes"})
    assert len(first.context["items"]) == 25
    page = body(first)
    assert "Items 1–25 of 30" in page
    assert "?kind=note&amp;q=minutes&amp;page=2" in page
    second = client.get(url("evidence-list", org), {"kind": "note", "q": "minutes", "page": 2})
    assert len(second.context["items"]) == 5
    last = client.get(url("evidence-list", org), {"kind": "note", "page": "999"})
    assert last.context["page"].number == 2


def test_an_empty_library_invites_to_add(client, org, lead):
    client.force_login(lead)
    page = body(client.get(url("evidence-list", org)))
    assert "The library is empty" in page
    assert url("evidence-add", org) in page


def _many_items(org, lead, element, year, count):
    items = Evidence.objects.bulk_create(
        Evidence(organisation=org, kind="link", title=f"Item {n}", url="https://x.test/",
                 owner=lead, created_by=lead)
        for n in range(count)
    )  # fmt: skip
    EvidenceLink.objects.bulk_create(
        EvidenceLink(evidence=item, assessment=year, element=element, carried_forward=n % 2 == 0)
        for n, item in enumerate(items)
    )


@pytest.mark.parametrize("count", [10, 500])
@pytest.mark.parametrize("year_shown", [None, "2018", "all"])
def test_library_query_count_is_constant(
    client, org, lead, element, year, count, year_shown, django_assert_num_queries
):
    _many_items(org, lead, element, year, count)
    for n in range(2019, 2019 + count // 100):  # more years, with links carried into them
        later = AssessmentFactory(organisation=org, standard=element.standard, year=n)
        _many_items(org, lead, element, later, count // 5)
    client.force_login(lead)
    client.get(url("evidence-list", org))  # the first visit also saves the last organisation
    params = {"page": 2 if count > 25 else 1, "element": "1.1.1"}
    if year_shown:
        params["year"] = year_shown
    # 1 session, 2 user, 3 membership + organisation (TenantMiddleware),
    # 4 the organisation's years, with their links to re-confirm (the year filter's choices
    #   and the bulk re-confirmation button),
    # 5 members of the organisation (the owner filter's choices),
    # 6 count of the items (paginator), 7 the page of items with owner and author,
    # 8 the links of the page's items in the year shown, with their years and elements.
    with django_assert_num_queries(8):
        response = client.get(url("evidence-list", org), params)
    assert response.status_code == 200
    page = body(response)
    assert " · 1.1.1</a>" in page
    if year_shown == "2018":
        assert "2018 · 1.1.1" in page
    if count > 100 and year_shown is None:
        assert "Re-confirm the" in page  # the current year's carried-forward links


# --- the detail page ---------------------------------------------------------------------------


def test_the_detail_page_of_a_file(client, org, lead, item, version, element, year):
    EvidenceLinkFactory(evidence=item, assessment=year, element=element, note="Shows the census")
    client.force_login(lead)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "policy v2.pdf" in page  # the current file
    assert "PDF document" in page
    assert item.sha256[:12] in page
    assert url("evidence-download", org, item.pk) in page
    assert "policy v1.pdf" in page  # the earlier version, downloadable
    assert url("evidence-version-download", org, item.pk, version.pk) in page
    assert "1.1.1" in page and "We have an in-depth understanding" in page
    assert "Shows the census" in page
    assert url("evidence-edit", org, item.pk) in page
    assert url("evidence-replace", org, item.pk) in page
    assert url("evidence-delete", org, item.pk) in page
    assert "style=" not in page


def test_the_board_sees_details_but_no_files_or_actions(client, org, board, item, version):
    client.force_login(board)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "policy v2.pdf" in page and "policy v1.pdf" in page
    assert "/download/" not in page
    assert "/edit/" not in page and "/delete/" not in page and "/replace/" not in page


def test_the_assessor_downloads_but_does_not_edit(client, org, assessor, item):
    client.force_login(assessor)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert url("evidence-download", org, item.pk) in page
    assert "/edit/" not in page


def test_link_states_on_the_detail_page(client, org, lead, element, year):
    item = EvidenceFactory(organisation=org, url="https://intranet.test/profile")
    later = AssessmentFactory(organisation=org, standard=element.standard, year=2019)
    latest = AssessmentFactory(organisation=org, standard=element.standard, year=2020)
    EvidenceLinkFactory(evidence=item, assessment=year, element=element)
    EvidenceLinkFactory(evidence=item, assessment=later, element=element, carried_forward=True)
    EvidenceLinkFactory(
        evidence=item,
        assessment=latest,
        element=element,
        carried_forward=True,
        confirmed_at=timezone.now(),
        confirmed_by=lead,
    )
    client.force_login(lead)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "https://intranet.test/profile" in page
    assert "not re-confirmed for 2019" in page
    assert "re-confirmed" in page and lead.get_full_name() in page
    # One row a year, each linked to the element's page in its year.
    for linked in (year, later, latest):
        assert reverse("org:element", args=[org.slug, linked.year, "1.1.1"]) in page
    assert page.count(f'<a class="element-ref fw-semibold" href="/o/{org.slug}/') == 3


def test_the_detail_page_of_a_note(client, org, lead):
    item = EvidenceFactory(organisation=org, kind="note", url="", body="We call back <b>within</b>")
    client.force_login(lead)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "We call back &lt;b&gt;within&lt;/b&gt;" in page
    assert "Replace the file" not in page


# --- downloads ---------------------------------------------------------------------------------


def test_download_headers(client, org, lead):
    item = services.add_file(
        org,
        services.check_upload(samples.upload('../../etc/passwd"; x.pdf', samples.PDF)),
        acting_user=lead,
    )
    client.force_login(lead)
    response = client.get(url("evidence-download", org, item.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="passwd; x.pdf"'
    assert "/" not in disposition and ".." not in disposition


def test_a_download_name_always_ends_with_the_real_type(client, org, lead):
    item = services.add_file(
        org, services.check_upload(samples.upload("minutes.html", samples.PDF)), acting_user=lead
    )
    client.force_login(lead)
    response = client.get(url("evidence-download", org, item.pk))
    assert response["Content-Disposition"] == 'attachment; filename="minutes.html.pdf"'


def test_a_non_ascii_name_is_encoded(client, org, lead):
    item = services.add_file(
        org,
        services.check_upload(samples.upload("Résumé – été.pdf", samples.PDF)),
        acting_user=lead,
    )
    client.force_login(lead)
    response = client.get(url("evidence-download", org, item.pk))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%80%93%20%C3%A9t%C3%A9.pdf"
    )


def test_version_download(client, org, assessor, item, version):
    client.force_login(assessor)
    response = client.get(url("evidence-version-download", org, item.pk, version.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Disposition"] == 'attachment; filename="policy v1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_link_or_note_has_nothing_to_download(client, org, lead):
    client.force_login(lead)
    for kind in ["link", "note"]:
        other = EvidenceFactory(organisation=org, kind=kind)
        assert client.get(url("evidence-download", org, other.pk)).status_code == 404


def test_a_file_missing_from_storage_is_404(client, org, lead, item):
    item.file.storage.delete(item.file.name)
    client.force_login(lead)
    assert client.get(url("evidence-download", org, item.pk)).status_code == 404


def test_the_board_gets_403_on_download(client, org, board, item, version):
    client.force_login(board)
    assert client.get(url("evidence-download", org, item.pk)).status_code == 403
    path = url("evidence-version-download", org, item.pk, version.pk)
    assert client.get(path).status_code == 403


# --- uploading ---------------------------------------------------------------------------------


def upload_json(client, org, name, data, **extra):
    response = client.post(
        url("evidence-upload", org), {"files": samples.upload(name, data), **extra}, **JSON
    )
    return response, json.loads(response.content)


def test_json_upload_created(client, org, lead):
    client.force_login(lead)
    response, result = upload_json(client, org, "Survey results.xlsx", samples.xlsx())
    assert response.status_code == 201
    item = Evidence.objects.get()
    assert result == {
        "status": "created",
        "id": item.pk,
        "title": "Survey results",
        "url": url("evidence-detail", org, item.pk),
        "message": "“Survey results.xlsx” was added as “Survey results”.",
    }
    assert item.content_type == samples_type("xlsx")


def samples_type(kind):
    from evidence import filetypes

    return {"xlsx": filetypes.XLSX.content_type}[kind]


def test_json_upload_duplicate(client, org, lead):
    client.force_login(lead)
    upload_json(client, org, "a.pdf", samples.PDF)
    existing = Evidence.objects.get()
    response, result = upload_json(client, org, "again.pdf", samples.PDF)
    assert response.status_code == 409
    assert result["status"] == "duplicate"
    assert result["existing"] == {
        "id": existing.pk,
        "title": "a",
        "url": url("evidence-detail", org, existing.pk),
    }
    assert "“again.pdf” is already in the library" in result["message"]
    assert Evidence.objects.count() == 1


def test_json_upload_refuses_an_exe_renamed_pdf(client, org, lead):
    client.force_login(lead)
    response, result = upload_json(client, org, "minutes.pdf", samples.EXE)
    assert response.status_code == 400
    assert result["status"] == "refused"
    assert "“minutes.pdf” is a Windows program" in result["message"]
    assert not Evidence.objects.exists()


def test_json_upload_refuses_an_oversize_file(client, org, lead, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(lead)
    big = samples.PDF + b"0" * (1024 * 1024)
    response, result = upload_json(client, org, "scan.pdf", big)
    assert response.status_code == 400
    assert result == {
        "status": "refused",
        "message": "“scan.pdf” is 1.1 MB: files may be at most 1 MB.",
    }


def test_json_upload_without_a_file(client, org, lead):
    client.force_login(lead)
    response = client.post(url("evidence-upload", org), {}, **JSON)
    assert response.status_code == 400
    assert json.loads(response.content)["status"] == "refused"


def test_json_upload_takes_one_file_and_stores_nothing_else(client, org, lead):
    """The uploader's script sends one file a request; the JSON answer is for one file."""
    client.force_login(lead)
    files = [samples.upload("a.pdf", samples.PDF), samples.upload("b.png", samples.png())]
    response = client.post(url("evidence-upload", org), {"files": files}, **JSON)
    assert response.status_code == 400
    result = json.loads(response.content)
    assert result["status"] == "refused" and "send one file a request" in result["message"]
    assert not Evidence.objects.exists()


def test_plain_upload_of_many_files_gives_a_message_each(client, org, lead):
    client.force_login(lead)
    services.add_file(
        org, services.check_upload(samples.upload("old.pdf", samples.PDF)), acting_user=lead
    )
    files = [
        samples.upload("photo.png", samples.png()),
        samples.upload("letter.eml", samples.EML),
        samples.upload("again.pdf", samples.PDF),
        samples.upload("setup.pdf", samples.EXE),
    ]
    response = client.post(
        url("evidence-upload", org),
        {"files": files, "next": url("evidence-add", org)},
        follow=True,
    )
    assert response.redirect_chain == [(url("evidence-add", org), 302)]
    shown = messages_of(response)
    assert len(shown) == 4
    assert "“photo.png” was added as “photo”" in shown[0]
    assert "“letter.eml” was added" in shown[1]
    assert "“again.pdf” is already in the library as “old”" in shown[2]
    existing = Evidence.objects.get(title="old")
    assert url("evidence-detail", org, existing.pk) in shown[2]  # a link to the existing item
    assert "“setup.pdf” is a Windows program" in shown[3]
    assert set(Evidence.objects.values_list("title", flat=True)) == {"old", "photo", "letter"}
    page = body(response)
    assert "alert-danger" in page and "alert-warning" in page


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "", "javascript:x"]
)
def test_plain_upload_never_returns_to_another_site(client, org, lead, next_url):
    client.force_login(lead)
    response = client.post(
        url("evidence-upload", org),
        {"files": samples.upload("a.pdf", samples.PDF), "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == url("evidence-list", org)


def test_upload_with_year_and_ref_links_each_new_item(client, org, lead, element, year):
    client.force_login(lead)
    response, result = upload_json(
        client, org, "profile.pdf", samples.PDF, year="2018", ref="1.1.1"
    )
    assert response.status_code == 201
    assert "linked to 1.1.1 in 2018" in result["message"]
    link = EvidenceLink.objects.get()
    assert (link.evidence_id, link.assessment, link.element) == (result["id"], year, element)
    assert link.created_by == lead


@pytest.mark.parametrize(
    ("year_value", "ref", "message"),
    [
        ("2018", "", "give both a year and an element"),
        ("abc", "1.1.1", "give both a year and an element"),
        ("20181", "1.1.1", "give both a year and an element"),
        ("2031", "1.1.1", "There is no 2031 assessment"),
        ("2018", "9.9.9", "Element 9.9.9 is not part of the standard of 2018"),
    ],
)
def test_upload_to_an_unusable_year_or_element_is_refused(
    client, org, lead, element, year, year_value, ref, message
):
    client.force_login(lead)
    response, result = upload_json(client, org, "a.pdf", samples.PDF, year=year_value, ref=ref)
    assert response.status_code == 400
    assert message in result["message"]
    assert not Evidence.objects.exists()


def test_upload_to_a_finalised_year_is_refused(client, org, lead, element, year):
    year.status = Assessment.Status.FINALISED
    year.save()
    client.force_login(lead)
    response, result = upload_json(client, org, "a.pdf", samples.PDF, year="2018", ref="1.1.1")
    assert response.status_code == 400
    assert "2018 is finalised" in result["message"]
    assert not Evidence.objects.exists()


def test_upload_to_another_orgs_year_is_refused(client, org, other_org, lead, element):
    AssessmentFactory(organisation=other_org, standard=element.standard, year=2018)
    client.force_login(lead)
    response, result = upload_json(client, org, "a.pdf", samples.PDF, year="2018", ref="1.1.1")
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_the_upload_url_takes_only_post(client, org, lead):
    client.force_login(lead)
    assert client.get(url("evidence-upload", org)).status_code == 405


# --- the add page ------------------------------------------------------------------------------


def test_the_add_page_offers_three_ways(client, org, lead):
    client.force_login(lead)
    page = body(client.get(url("evidence-add", org)))
    assert 'enctype="multipart/form-data"' in page
    assert 'name="files"' in page and "multiple" in page
    assert f'action="{url("evidence-upload", org)}"' in page
    assert "evidence-upload.js" in page
    assert "?kind=link" in page and "?kind=note" in page
    assert "Up to 25 MB each" in page
    assert "data-link-url" not in page  # no year or element here
    assert "style=" not in page and "<script>" not in page


def test_add_a_link(client, org, lead, member_of):
    owner = member_of(org, Role.ADMIN)
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {
            "kind": "link",
            "title": "Complaints procedure",
            "url": "https://www.example.org/complaints",
            "description": "Public page",
            "owner": owner.pk,
            "evidence_date": "2024-04-01",
            "review_by": "2025-04-01",
        },
    )
    item = Evidence.objects.get()
    assert response["Location"] == url("evidence-detail", org, item.pk)
    assert (item.kind, item.url, item.owner, str(item.evidence_date), str(item.review_by)) == (
        "link",
        "https://www.example.org/complaints",
        owner,
        "2024-04-01",
        "2025-04-01",
    )
    assert item.created_by == lead


def test_add_a_note(client, org, lead):
    client.force_login(lead)
    client.post(
        url("evidence-add", org),
        {"kind": "note", "title": "Call-backs", "body": "Within a day.", "owner": ""},
    )
    item = Evidence.objects.get()
    assert (item.kind, item.body, item.owner) == ("note", "Within a day.", None)


def test_a_bad_link_re_renders_with_what_was_typed(client, org, lead):
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {
            "kind": "link",
            "title": "My typed title",
            "url": "javascript:alert(1)",
            "description": "My typed description",
            "evidence_date": "not a date",
        },
    )
    assert response.status_code == 200
    page = body(response)
    assert 'value="My typed title"' in page
    assert "My typed description" in page
    assert "Give the evidence date as a date, such as 2025-03-31." in page
    assert "Give a whole web address" in page
    assert not Evidence.objects.exists()


def test_a_link_refused_by_the_service_keeps_the_form(client, org, lead):
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {"kind": "link", "title": "FTP", "url": "ftp://files.example.org/a.pdf"},
    )
    assert response.status_code == 200
    assert "starts with https://" in body(response)
    assert 'value="FTP"' in body(response)


def test_a_note_with_a_stranger_as_owner_is_refused(client, org, lead, outsider):
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {"kind": "note", "title": "N", "body": "B", "owner": outsider.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in body(response)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("kind", ["file", "junk", ""])
def test_an_unknown_kind_shows_the_uploader(client, org, lead, kind):
    client.force_login(lead)
    response = client.get(url("evidence-add", org), {"kind": kind})
    assert response.status_code == 200
    assert 'name="files"' in body(response)


# --- editing, replacing, deleting --------------------------------------------------------------


def test_edit_details(client, org, lead, item):
    client.force_login(lead)
    form = body(client.get(url("evidence-edit", org, item.pk)))
    assert 'value="policy v1"' in form
    response = client.post(
        url("evidence-edit", org, item.pk),
        {"title": "Complaints policy", "description": "2024 edition", "owner": lead.pk,
         "evidence_date": "2024-01-31", "review_by": ""},
    )  # fmt: skip
    assert response["Location"] == url("evidence-detail", org, item.pk)
    item.refresh_from_db()
    assert (item.title, item.description, str(item.evidence_date)) == (
        "Complaints policy",
        "2024 edition",
        "2024-01-31",
    )
    assert item.history.first().history_user == lead


def test_edit_with_an_empty_title_keeps_what_was_typed(client, org, lead, item):
    client.force_login(lead)
    response = client.post(
        url("evidence-edit", org, item.pk), {"title": " ", "description": "Typed text"}
    )
    assert response.status_code == 200
    assert "Give the item a title." in body(response)
    assert "Typed text" in body(response)
    item.refresh_from_db()
    assert item.title == "policy v1"


def test_edit_keeps_an_owner_who_has_left(client, org, lead, item):
    former = UserFactory(full_name="Fay Former")
    Evidence.objects.filter(pk=item.pk).update(owner=former)
    client.force_login(lead)
    form = body(client.get(url("evidence-edit", org, item.pk)))
    assert "Fay Former" in form and "no longer a member" in form
    response = client.post(
        url("evidence-edit", org, item.pk), {"title": "Renamed", "owner": former.pk}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.owner) == ("Renamed", former)


def test_edit_a_link_checks_the_address(client, org, lead):
    link_item = EvidenceFactory(organisation=org, owner=lead)
    client.force_login(lead)
    response = client.post(
        url("evidence-edit", org, link_item.pk), {"title": "T", "url": "ftp://x.example/"}
    )
    assert response.status_code == 200
    assert "starts with https://" in body(response)


def test_replace_the_file(client, org, lead, item):
    client.force_login(lead)
    response = client.post(
        url("evidence-replace", org, item.pk),
        {"file": samples.upload("policy v3.docx", samples.docx())},
        follow=True,
    )
    assert response.redirect_chain == [(url("evidence-detail", org, item.pk), 302)]
    page = body(response)
    assert "policy v3.docx" in page and "Word document" in page
    assert "Earlier versions (2)" in page
    assert "policy v2.pdf" in page and "policy v1.pdf" in page
    assert EvidenceVersion.objects.filter(evidence=item).count() == 2


def test_replace_refusals_stay_on_the_page(client, org, lead, item):
    other = services.add_file(
        org,
        services.check_upload(samples.upload("other.pdf", samples.unique_pdf(7))),
        acting_user=lead,
    )
    client.force_login(lead)
    path = url("evidence-replace", org, item.pk)
    refused = client.post(path, {"file": samples.upload("v3.pdf", samples.EXE)})
    assert refused.status_code == 200
    assert "“v3.pdf” is a Windows program" in body(refused)
    duplicate = client.post(path, {"file": samples.upload("copy.pdf", samples.unique_pdf(7))})
    assert "already in the library" in body(duplicate)
    assert url("evidence-detail", org, other.pk) in body(duplicate)
    missing = client.post(path, {})
    assert "Choose the file that replaces the current one." in body(missing)
    assert EvidenceVersion.objects.filter(evidence=item).count() == 1


def test_only_file_items_have_a_replace_page(client, org, lead):
    client.force_login(lead)
    note = EvidenceFactory(organisation=org, kind="note", body="b")
    assert client.get(url("evidence-replace", org, note.pk)).status_code == 404


def test_delete_asks_then_deletes(
    client, org, lead, item, element, year, django_capture_on_commit_callbacks
):
    EvidenceLinkFactory(evidence=item, assessment=year, element=element)
    client.force_login(lead)
    confirm = body(client.get(url("evidence-delete", org, item.pk)))
    assert "It supports 1 element" in confirm and "that link goes with it" in confirm
    assert Evidence.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("evidence-delete", org, item.pk), follow=True)
    assert response.redirect_chain == [(url("evidence-list", org), 302)]
    assert "“policy v1” was deleted, with its 1 link to elements." in messages_of(response)
    assert not Evidence.objects.exists() and not EvidenceLink.objects.exists()
    assert Evidence.history.filter(history_type="-").get().history_user == lead


# --- the uploader include (embedded in the element page too) ----------------------------------


def render_uploader(org, **context):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    return render_to_string(
        "evidence/_uploader.html", {"organisation": org, **context}, request=request
    )


def test_the_uploader_on_its_own(org):
    html = render_uploader(org)
    assert f'action="{url("evidence-upload", org)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="year"' not in html and "data-reload" not in html
    assert "data-link-url" not in html
    assert "within the size limit" in html  # no upload_rules given: no figure to state


def test_the_uploader_for_an_element(org):
    from evidence.queries import upload_rules

    html = render_uploader(
        org,
        year=2018,
        ref="1.1.1",
        next="/o/acme/assessments/2018/elements/1.1.1/",
        link_url="/link/here/",
        upload_rules=upload_rules(),
    )
    assert '<input type="hidden" name="year" value="2018">' in html
    assert '<input type="hidden" name="ref" value="1.1.1">' in html
    assert 'name="next" value="/o/acme/assessments/2018/elements/1.1.1/"' in html
    assert "data-reload" in html
    assert 'data-link-url="/link/here/"' in html
    assert 'data-max-bytes="26214400"' in html
    assert "Files to add to 1.1.1 in 2018" in html
    assert "Up to 25 MB each" in html
