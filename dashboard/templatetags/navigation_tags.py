"""The main navigation's links to the organisation's sections, drawn in Python: on every
page, where eight ``{% url %}`` tags and their conditions were a sizeable share of a small
page's time. The same markup, whitespace too, as the template block it replaced
(tests/dashboard/test_navigation_tags.py renders both and compares them)."""

import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.assessment_tags import EMPTY, Fragment

register = template.Library()

# The sections every member sees, then the two some roles see: (URL name, label, section).
_SECTIONS = (
    ("org:assessment-list", "Assessments", "assessments"),
    ("org:evidence-list", "Evidence", "evidence"),
    ("org:action-list", "Actions", "actions"),
    ("org:progression", "Progression", "progression"),
)
_LINK = Fragment('<li class="nav-item"><a class="nav-link" href="{url}"{current}>{label}</a></li>')
_CURRENT = mark_safe(' aria-current="page"')
_GAP = "\n        "


@functools.lru_cache(maxsize=1024)
def _urls(script_prefix: str, slug: str) -> dict[str, str]:
    """The organisation's section URLs, reversed once per organisation."""
    names = ["org:dashboard", "org:members", "org:audit-log"] + [s[0] for s in _SECTIONS]
    return {name: reverse(name, args=[slug]) for name in names}


def _link(urls: dict[str, str], name: str, label: str, here: bool) -> SafeString:
    return _LINK(url=urls[name], current=_CURRENT if here else EMPTY, label=label)


@register.simple_tag(takes_context=True)
def organisation_nav(context) -> SafeString:
    """The navigation organisation's name (its dashboard) and sections: Assessments,
    Evidence, Actions, Progression, then Members and the audit log for those who may see
    them, the current section marked ``aria-current``; nothing outside any organisation."""
    org = context.get("nav_organisation")
    if not org:
        return SafeString(_GAP + _GAP)
    section = context.get("nav_section")
    may = context.get("nav_can") or {}
    urls = _urls(get_script_prefix(), org.slug)
    links = [_link(urls, "org:dashboard", org.name, section == "dashboard")]
    links += [_link(urls, name, label, section == here) for name, label, here in _SECTIONS]
    members = (
        _GAP + _link(urls, "org:members", "Members", section == "members") + _GAP
        if may.get("manage_members")
        else ""
    )
    audit = (
        _link(urls, "org:audit-log", "Audit log", section == "audit")
        if may.get("view_audit_log")
        else ""
    )
    body = _GAP + _GAP.join(links) + _GAP + members + _GAP + audit + _GAP
    return SafeString(_GAP + body + _GAP)


@functools.lru_cache(maxsize=4096)
def _org_url(script_prefix: str, name: str, slug: str) -> str:
    return reverse(name, args=[slug])


@register.simple_tag
def org_url(name: str, slug: str) -> str:
    """``{% url name slug %}`` of one of an organisation's pages (a URL whose one argument
    is the organisation's slug), reversed once per organisation and script prefix."""
    return _org_url(get_script_prefix(), name, slug)
