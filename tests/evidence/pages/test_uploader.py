"""The uploader include (embedded in the element page too)."""

import pytest

from tests.evidence.pages.support import url

pytestmark = pytest.mark.django_db


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
