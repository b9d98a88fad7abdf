"""The one pager (templates/_pagination.html) every paginated list includes."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def pager(number: int, **words) -> str:
    request = RequestFactory().get("/o/acme/actions/", {"status": "open", "page": number})
    page = Paginator(list(range(60)), 25).page(number)
    return render_to_string(
        "_pagination.html", {"page": page, "label": "the actions", **words}, request=request
    )


def test_a_middle_page_links_every_way_and_keeps_the_filters():
    html = pager(2)
    assert 'aria-label="Pages of the actions"' in html
    assert "Page 2 of 3" in html
    assert "« First" in html and "‹ Previous" in html and "Next ›" in html and "Last »" in html
    assert "?status=open&amp;page=3" in html


def test_the_first_page_has_no_way_back_and_words_can_be_given():
    html = pager(1, first="Newest", previous="Newer", next="Older", last="Oldest")
    assert "Newer" not in html and "Older ›" in html and "Oldest »" in html


def test_a_single_page_draws_nothing():
    request = RequestFactory().get("/")
    page = Paginator([1, 2], 25).page(1)
    assert render_to_string("_pagination.html", {"page": page}, request=request).strip() == ""
