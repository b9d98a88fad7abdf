"""A page that only shows something answers a POST (or any other write method) with 405 and
an Allow header, as a member allowed to see it: it does not draw the page as if the request
were a read. The forms on these pages post to URLs of their own."""

import pytest
from django.urls import reverse

from tests.factories import ActionFactory, EvidenceFactory


@pytest.fixture
def pages(y2018, element):
    org = y2018.organisation
    item = EvidenceFactory(organisation=org)
    action = ActionFactory(raised_in=y2018, element=element)
    slug = org.slug
    return [
        reverse("org:dashboard", args=[slug]),
        reverse("org:assessment-list", args=[slug]),
        reverse("org:year", args=[slug, 2018]),
        reverse("org:element", args=[slug, 2018, "1.1.1"]),
        reverse("org:element-evidence-search", args=[slug, 2018, "1.1.1"]),
        reverse("org:evidence-list", args=[slug]),
        reverse("org:evidence-detail", args=[slug, item.pk]),
        reverse("org:action-list", args=[slug]),
        reverse("org:action-detail", args=[slug, action.pk]),
        reverse("org:progression", args=[slug]),
        reverse("org:audit-log", args=[slug]),
        reverse("org:element-history", args=[slug, 2018, "1.1.1"]),
        reverse("standard:index"),
        reverse("standard:element", args=["1.1.1"]),
        reverse("profile"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_read_only_page_refuses_a_write_method(client, org_admin, pages, method):
    client.force_login(org_admin)
    for path in pages:
        assert client.get(path).status_code == 200, path
        response = client.generic(method, path)
        assert response.status_code == 405, (method, path, response.status_code)
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}, path


@pytest.mark.django_db
def test_the_assessors_home_refuses_a_post(client, assessor, y2018):
    client.force_login(assessor)
    url = reverse("assessor-home")
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405
