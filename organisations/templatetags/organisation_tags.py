"""Template filters of organisations: how a role reads in a sentence."""

from django import template

from organisations.models import role_phrase as _role_phrase

register = template.Library()


@register.filter
def role_phrase(role: str) -> str:
    """``{{ membership.role|role_phrase }}``: "a quality lead", "an admin", "an assessor",
    "a member of the governing body" (``organisations.models.role_phrase``)."""
    return _role_phrase(role)
