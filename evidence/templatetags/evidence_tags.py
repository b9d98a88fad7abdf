"""Template tags of the evidence pages."""

import functools
from collections.abc import Sequence

from django import template
from django.template.defaultfilters import truncatechars
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from assessments.queries import element_url
from assessments.templatetags.assessment_tags import EMPTY, Fragment
from evidence.forms import UploadForm

register = template.Library()


@register.simple_tag
def upload_form(uploader_id: str) -> UploadForm:
    """The uploader's date fields with their defaults (today, a year later), their ids
    prefixed with the uploader's own id so two uploaders on a page never share one."""
    return UploadForm(auto_id=f"{uploader_id}-%s")


# --- the elements an item supports, as chips -------------------------------------------------
#
# The library draws every item's links twice (the phone's summary and the desktop column):
# 25 items with up to 6 chips each. As an include with ``{% url %}`` per chip they took a third
# of the page's time; drawn here, with the year's URL reversed once, a tenth of that.

_CHIPS = Fragment('<ul class="link-chips list-unstyled mb-0">\n{chips}{more}</ul>\n')
_CHIP = Fragment(
    '  <li class="link-chip{stale_class}"{title}>\n'
    '    <a class="element-ref" href="{url}">{year} · {ref}</a>{stale}\n'
    "  </li>\n"
)
_CHIP_TITLE = Fragment(' title="{note}"')
_STALE_CLASS = mark_safe(" link-chip-stale")
_STALE = mark_safe(' <span class="stale-marker">not re-confirmed</span>')
_MORE = Fragment(
    '  <li class="link-chip link-chip-more"><a href="{url}">all {count} links</a></li>\n'
)
_NONE = mark_safe('<span class="text-muted">—</span>')


@functools.lru_cache(maxsize=1024)
def _year_url(script_prefix: str, slug: str, year: int) -> str:
    """A year's grid URL (``org:year``), reversed once per organisation and year."""
    return reverse("org:year", args=[slug, year])


@register.simple_tag(takes_context=True)
def link_chips(context, links: Sequence, limit: int = 0, more_url: str = "") -> SafeString:
    """The elements an item supports, as compact chips: "2018 · 1.1.1", each a link to that
    element's page in that year. A link carried forward from an earlier year and not yet
    re-confirmed says so in words. With ``limit``, the first ``limit`` chips and "all N
    links" to ``more_url``. A dash when there is none."""
    if not links:
        return _NONE
    slug = context["organisation"].slug
    prefix = get_script_prefix()
    chips = []
    for link in links[:limit] if limit else links:
        year = link.assessment.year
        stale = link.needs_confirmation
        chips.append(
            _CHIP(
                stale_class=_STALE_CLASS if stale else EMPTY,
                title=_CHIP_TITLE(note=truncatechars(link.note, 200)) if link.note else EMPTY,
                url=element_url(_year_url(prefix, slug, year), link.element.ref),
                year=year,
                ref=link.element.ref,
                stale=_STALE if stale else EMPTY,
            )
        )
    more = _MORE(url=more_url, count=len(links)) if limit and len(links) > limit else EMPTY
    return _CHIPS(chips=SafeString("".join(chips)), more=more)
