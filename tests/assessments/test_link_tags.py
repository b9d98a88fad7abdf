"""The element page's linked evidence drawn in Python (assessments/templatetags/link_tags.py):
the helpers give what the template filters they replace give."""

import unicodedata
from datetime import UTC, date, datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.utils import timezone

from assessments.templatetags.link_tags import _day, _short

TITLES = [
    "Minutes",
    "x" * 40,
    "x" * 41,
    "Café board minutes, with a long and winding title that goes on",
    unicodedata.normalize("NFD", "Café"),  # a combining accent: NFC-normalised, as the filter
    unicodedata.normalize("NFD", "é" * 40),  # 80 code points, 40 characters: not truncated
    "",
]


@pytest.mark.parametrize("title", TITLES)
def test_short_is_truncatechars_40(title):
    assert _short(title) == truncatechars(title, 40)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2026, 1, 5), "5 Jan 2026"),
        # 23:30 UTC on 30 June is 00:30 on 1 July in London's summer time
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 Jul 2026"),
    ],
)
def test_day_is_the_date_filter_in_the_current_time_zone(value, shown):
    assert _day(value) == shown
    local = timezone.localtime(value) if isinstance(value, datetime) else value
    assert date_filter(local, "j M Y") == shown
