"""The standard is read in the admin, never changed there: what pages read of it is kept once
per process (standards.memo), so a change made in one process would not reach the others."""

import pytest
from django.urls import reverse

from standards.models import Element

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("root@example.org", "a-long-password-1")


def test_an_element_is_shown_but_cannot_be_changed_added_or_deleted(client, staff, cse_standard):
    client.force_login(staff)
    element = Element.objects.get(standard=cse_standard, ref="1.1.1")
    page = client.get(reverse("admin:standards_element_change", args=[element.pk]))
    assert page.status_code == 200
    assert element.text[:40] in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    before = element.text
    refused = client.post(
        reverse("admin:standards_element_change", args=[element.pk]), {"text": "Changed"}
    )
    assert refused.status_code == 403
    element.refresh_from_db()
    assert element.text == before
    assert client.get(reverse("admin:standards_element_add")).status_code == 403
    delete = reverse("admin:standards_element_delete", args=[element.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Element.objects.filter(pk=element.pk).exists()
