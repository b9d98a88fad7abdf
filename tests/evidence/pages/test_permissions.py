"""Who may do what on the evidence library pages (/o/<org>/evidence/…).

Standing users, as in healthchecks: the quality lead and the admin (may do everything here),
the assessor (reads and downloads, changes nothing: 403), the governing body (reads the list
and details, never a file: 403), and an outsider, a member of another organisation (404
everywhere, even with real ids of this organisation).
"""

import pytest
from django.urls import reverse

from evidence import services
from evidence.models import Evidence
from organisations.models import Role
from tests.evidence import samples
from tests.evidence.pages.support import url
from tests.factories import (
    EvidenceFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


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
