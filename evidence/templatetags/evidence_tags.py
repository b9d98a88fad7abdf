"""Template tags of the evidence pages."""

import functools
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, is_naive
from django.utils.translation import get_language

from assessments.queries import element_url
from assessments.templatetags.assessment_tags import EMPTY, Fragment, row_urls_html
from evidence.forms import UploadForm
from evidence.models import Evidence
from evidence.queries import ChipLink, LibraryItem

register = template.Library()


@register.simple_tag
def upload_form(uploader_id: str) -> UploadForm:
    """The uploader's date fields with their defaults (today, a year later), their ids
    prefixed with the uploader's own id so two uploaders on a page never share one."""
    return UploadForm(auto_id=f"{uploader_id}-%s")


_UPLOAD_DATE = Fragment(
    "\n"
    '    <div class="col-sm-6">\n'
    '      <label class="form-label small fw-semibold mb-1" for="{id}">{label}</label>\n'
    "      {field}\n"
    '      <p class="form-text mb-0" id="{id}-help">{help}</p>\n'
    "    </div>\n"
    "    "
)


# What Django's input widget templates draw (django/forms/widgets/input.html and attrs.html,
# which date.html includes), for the uploader's date inputs: through the template engine the two
# inputs took half the uploader's drawing.
_INPUT_TEMPLATES = frozenset({"django/forms/widgets/date.html", "django/forms/widgets/input.html"})
_INPUT = Fragment('<input type="{type}" name="{name}"{value}{attrs}>')
_INPUT_VALUE = Fragment(' value="{value}"')
_INPUT_ATTR = Fragment(" {name}")
_INPUT_ATTR_VALUE = Fragment(' {name}="{value}"')


def _input_html(field) -> SafeString:
    """``field.as_widget()`` for a plain input widget: the same attributes in the same order
    (``BoundField.as_widget``'s, then the widget's context), drawn without the template
    engine; any other widget is drawn by Django."""
    widget = field.field.widget
    if widget.template_name not in _INPUT_TEMPLATES or field.field.localize:
        return field.as_widget()
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    value = context["value"]
    return _INPUT(
        type=context["type"],
        name=context["name"],
        value=EMPTY if value is None else _INPUT_VALUE(value=str(value)),
        attrs=SafeString(
            "".join(
                _INPUT_ATTR(name=name)
                if value is True
                else _INPUT_ATTR_VALUE(name=name, value=str(value))
                for name, value in context["attrs"].items()
                if value is not False
            )
        ),
    )


@register.simple_tag
def upload_dates(upload: UploadForm) -> SafeString:
    """The uploader's two dates, each with its label and help (a loop over the form's four
    fields in the template took a tenth of the element page's drawing)."""
    return SafeString(
        "".join(
            _UPLOAD_DATE(
                id=field.id_for_label,
                label=field.label,
                field=_input_html(field),
                help=field.help_text,
            )
            for field in (upload["evidence_date"], upload["review_by"])
        )
    )


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


@functools.lru_cache(maxsize=8192)
def _element_url(script_prefix: str, slug: str, year: int, ref: str) -> str:
    """An element's page in a year (``org:element``), written once per organisation, year
    and element."""
    return element_url(_year_url(script_prefix, slug, year), ref)


@register.simple_tag(takes_context=True)
def link_chips(
    context, links: Sequence[ChipLink], limit: int = 0, more_url: str = ""
) -> SafeString:
    """The elements an item supports, as compact chips: "2018 · 1.1.1", each a link to that
    element's page in that year. A link carried forward from an earlier year and not yet
    re-confirmed says so in words. With ``limit``, the first ``limit`` chips and "all N
    links" to ``more_url``. A dash when there is none."""
    return _chips(context["organisation"].slug, get_script_prefix(), links, limit, more_url)


def _chips(
    slug: str, prefix: str, links: Sequence[ChipLink], limit: int, more_url: str
) -> SafeString:
    if not links:
        return _NONE
    chips = []
    for link in links[:limit] if limit else links:
        year = link.year
        stale = link.needs_confirmation
        chips.append(
            _CHIP(
                stale_class=_STALE_CLASS if stale else EMPTY,
                title=_CHIP_TITLE(note=_truncated(link.note, 200)) if link.note else EMPTY,
                url=_element_url(prefix, slug, year, link.ref),
                year=year,
                ref=link.ref,
                stale=_STALE if stale else EMPTY,
            )
        )
    more = _MORE(url=more_url, count=len(links)) if limit and len(links) > limit else EMPTY
    return _CHIPS(chips=SafeString("".join(chips)), more=more)


# --- the library's rows ----------------------------------------------------------------------
#
# 25 rows of a dozen fields, two includes and two sets of chips each: as a template loop they
# were over half of the library's time. Drawn here, with the same markup (whitespace too) as
# the loop they replaced (tests/evidence/test_library_rows.py renders both and compares them).

_ROW = Fragment(
    "\n    \n    <tr>\n"
    '      <th scope="row" class="fw-normal evidence-item">\n'
    '        <a class="fw-semibold" href="{url}">{title}</a>\n'
    "        {kind}\n"
    "        {description}\n"
    '        <div class="d-md-none small mt-1 evidence-phone-meta">\n'
    "          {phone_owner}\n"
    "          {phone_date}\n"
    "          {phone_review}\n"
    "          {phone_chips}\n"
    "        </div>\n"
    "      </th>\n"
    '      <td class="d-none d-md-table-cell">{owner}</td>\n'
    '      <td class="d-none d-md-table-cell text-nowrap">{evidence_date}</td>\n'
    '      <td class="d-none d-md-table-cell text-nowrap">{review_by}</td>\n'
    '      <td class="d-none d-md-table-cell">{chips}</td>\n'
    '      <td class="d-none d-lg-table-cell small">{author}<br>'
    '<time class="text-muted text-nowrap" datetime="{created_iso}">{created}</time></td>\n'
    "    </tr>\n  "
)
# templates/evidence/_kind.html and _review_by.html (each file ends with a newline).
_KIND = Fragment('<span class="badge kind-badge kind-{kind}">{label}</span>\n')
_REVIEW_BY = Fragment('<time datetime="{iso}">{day}</time>{overdue}\n')
_OVERDUE = mark_safe(' <span class="badge text-bg-danger">Overdue</span>')
_DESCRIPTION = Fragment('<div class="small text-muted evidence-description">{text}</div>')
_PHONE_OWNER = Fragment("<div>Owner: {name}</div>")
_PHONE_DATE = Fragment("<div>Evidence date: {date}</div>")
_PHONE_REVIEW = Fragment("<div>Review by: {review_by}</div>")
_PHONE_CHIPS = Fragment('<div class="mt-1">{chips}</div>')
_DATE = Fragment('<time datetime="{iso}">{day}</time>')


def _truncated(text: str, length: int) -> str:
    """``text|truncatechars:length``, without the filter's walk through a text that fits (it
    gives the text NFC-normalised then)."""
    normalised = unicodedata.normalize("NFC", text)
    return normalised if len(normalised) <= length else truncatechars(text, length)


@functools.lru_cache(maxsize=4096)
def _day_text(day, language: str) -> str:
    """``day|date:"j M Y"`` in ``language`` (its month's name), formatted once per process: a
    pure function of the two."""
    return date_filter(day, "j M Y")


class _Days(dict):
    """``day|date:"j M Y"`` of the dates of one drawing of the rows, each looked up once."""

    def __init__(self) -> None:
        super().__init__()
        self.language = get_language()

    def __missing__(self, day) -> str:
        self[day] = text = _day_text(day, self.language)
        return text


class _Drawing:
    """What every row of one drawing shares: the organisation's slug, the script prefix, the
    current time zone (``template_localtime``, looked up once) and the formatted days."""

    def __init__(self, context) -> None:
        self.slug = context["organisation"].slug
        self.prefix = get_script_prefix()
        self.item_url = row_urls_html("org:evidence-detail", self.slug)
        self.zone = get_current_timezone() if settings.USE_TZ else None
        self.days = _Days()

    def local(self, moment: datetime) -> datetime:
        """``template_localtime(moment)``: an aware time in the current time zone."""
        if self.zone is None or is_naive(moment):
            return moment
        return moment.astimezone(self.zone)


# The kinds' labels (``get_kind_display``, without its walk through the field's choices).
_KIND_LABELS = dict(Evidence.Kind.choices)


def _review_by(item, days: _Days) -> SafeString:
    return _REVIEW_BY(
        iso=item.review_by.isoformat(),  # |date:"Y-m-d"
        day=days[item.review_by],
        overdue=_OVERDUE if item.is_overdue else EMPTY,
    )


def _library_row(drawing: _Drawing, item: LibraryItem) -> SafeString:
    days = drawing.days
    url = drawing.item_url(item.pk)
    links = item.chip_links
    chips = _chips(drawing.slug, drawing.prefix, links, 6, url)
    owner = item.owner_name
    evidence_date = (
        _DATE(iso=item.evidence_date.isoformat(), day=days[item.evidence_date])
        if item.evidence_date
        else None
    )
    review_by = _review_by(item, days) if item.review_by else None
    created_at = drawing.local(item.created_at)
    return _ROW(
        url=url,
        title=item.title,
        kind=_KIND(kind=item.kind, label=str(_KIND_LABELS.get(item.kind, item.kind))),
        description=_DESCRIPTION(text=_truncated(item.description, 140))
        if item.description
        else EMPTY,
        phone_owner=_PHONE_OWNER(name=owner) if owner is not None else EMPTY,
        phone_date=_PHONE_DATE(date=evidence_date) if evidence_date else EMPTY,
        phone_review=_PHONE_REVIEW(review_by=review_by) if review_by else EMPTY,
        phone_chips=_PHONE_CHIPS(chips=chips) if links else EMPTY,
        owner=owner if owner is not None else _NONE,
        evidence_date=evidence_date or _NONE,
        review_by=review_by or _NONE,
        chips=chips,
        author=item.author_name or "—",
        created_iso=created_at.isoformat(),  # |date:"c"
        created=days[created_at.date()],
    )


@register.simple_tag(takes_context=True)
def library_rows(context, items: Sequence[LibraryItem]) -> SafeString:
    """The library's table rows for ``items`` (``evidence.queries.library_page``'s): each
    item's title and kind, description, owner, dates, the elements it supports as chips
    (``link_chips``: six, then "all N links" to the item) and who added it when; the phone's
    summary of the same in the first cell."""
    drawing = _Drawing(context)
    return SafeString("".join(_library_row(drawing, item) for item in items))
