"""Template filters of the progression page."""

from django import template

from assessments.outcome import RATING_NAMES

register = template.Library()


@register.filter
def rating_name(rating: str) -> str:
    """``"CP"`` → ``"Compliance Plus"``; "" for no rating."""
    return RATING_NAMES.get(rating, "")
