"""The plain rules of a year: why an element needs the quality lead's attention."""

from types import SimpleNamespace

import pytest

from assessments.models import ElementResult
from assessments.rules import (
    NO_EVIDENCE,
    NO_SELF_RATING,
    OVERDUE_EVIDENCE,
    attention_reasons,
)


def result(self_rating: str = "") -> SimpleNamespace:
    return SimpleNamespace(self_rating=self_rating)


@pytest.mark.parametrize(
    ("self_rating", "evidence_count", "has_overdue", "expected"),
    [
        ("C", 2, False, []),
        ("", 2, False, [NO_SELF_RATING]),
        ("CP", 0, False, [NO_EVIDENCE]),
        ("", 0, False, [NO_SELF_RATING, NO_EVIDENCE]),
        ("PC", 3, True, [OVERDUE_EVIDENCE]),
        ("", 1, True, [NO_SELF_RATING, OVERDUE_EVIDENCE]),
        ("NC", 1, False, []),  # a self-rating of NC is a rating: the lead has looked
    ],
)
def test_attention_reasons(self_rating, evidence_count, has_overdue, expected):
    assert attention_reasons(result(self_rating), evidence_count, has_overdue) == expected


def test_reasons_are_words_not_codes():
    reasons = attention_reasons(result(), 0, True)
    assert reasons == [
        "No self-rating",
        "No evidence linked",
        "Evidence past its review date",
    ]


def test_the_assessor_rating_does_not_count_as_a_self_rating():
    unsaved = ElementResult(rating="CP", self_rating="")
    assert NO_SELF_RATING in attention_reasons(unsaved, 1, False)
