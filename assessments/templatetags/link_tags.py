"""The evidence linked to an element, as its page lists it: one item per link, with its
re-confirmation, note and unlink forms (``{% link_items %}``), drawn in Python.

Why Python: the element page lists every item linked to the element in the year (50 and more
in a ten-year portfolio: links are carried forward), each with up to three forms. As
template includes the list cost ~0.4 ms a link, two thirds of the page's time; drawn with
``Fragment`` (see ``assessment_tags``) it costs a tenth of that. The HTMX answers that
replace one item or its note form (``_link_item.html``, ``_link_note_form.html``) call the
same functions, so an item has one drawing.

    {% load link_tags %}
    {% link_items page.links %}     every link, in the page's context (assessment, can_edit,
                                    organisation, org_can, csrf_token)
    {% link_item %}                 the context's ``link`` (a partial's answer)
    {% link_note_form %}            the context's ``link`` note form, with note / saved_at /
                                    error / locked from the context
"""

import unicodedata
from collections.abc import Iterable

from django import template
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.assessment_tags import (
    EMPTY,
    Fragment,
    carried_badge,
    csrf_input,
    escape,
    fragments_open_and_locked,
    row_url,
    row_urls_html,
)

register = template.Library()

_ITEM = Fragment(
    '<li class="list-group-item evidence-link" id="link-{pk}">\n'
    '  <div class="d-flex flex-wrap align-items-baseline gap-2">\n'
    '    <span class="fw-semibold"><a href="{detail_url}">{title}</a></span>\n'
    '    <span class="badge text-bg-light border">{kind}</span>\n'
    "    {review}{open}\n"
    "  </div>\n"
    "  {confirmation}\n"
    "  {edit}\n"
    "</li>\n"
)
_OVERDUE = Fragment(
    '<span class="badge text-bg-warning"><span aria-hidden="true">⚠ </span>'
    "Review overdue since {day}</span>"
)
_REVIEW_BY = Fragment('<span class="small text-muted">Review by {day}</span>')
_DOWNLOAD = Fragment(
    '\n      <a class="small" href="{url}" target="_blank" rel="noopener">Download'
    '<span class="visually-hidden"> {title} (opens in a new tab)</span></a>'
)
_WEB_LINK = Fragment(
    '\n      <a class="small text-break" href="{url}" target="_blank" rel="noopener noreferrer">'
    'Open the web link<span class="visually-hidden"> of {title} (opens in a new tab)</span></a>'
)
_TO_CONFIRM = Fragment(
    '<div class="d-flex flex-wrap align-items-center gap-2 mt-1">\n'
    "    {badge}\n"
    '    <span class="small text-muted">from the year before; not yet confirmed for {year}.'
    "</span>\n"
    "    {form}\n"
    "  </div>"
)
_CONFIRM_FORM = Fragment(
    '<form method="post" action="{url}" hx-post="{url}" hx-target="#link-{pk}" '
    'hx-swap="outerHTML" class="d-inline">\n'
    "      {csrf}\n"
    '      <button type="submit" class="btn btn-sm btn-outline-primary">Re-confirm for {year}'
    '<span class="visually-hidden">: {title}</span></button>\n'
    "    </form>"
)
_CONFIRMED = Fragment(
    '<p class="small text-muted mb-0 mt-1"><span aria-hidden="true">✓ </span>'
    "Confirmed for {year}{by} on {day}.</p>"
)
_BY = Fragment(" by {name}")
_UNLINK = Fragment(
    "{note_form}\n"
    '    <details class="mt-2 unlink">\n'
    '      <summary class="small text-danger">Unlink…</summary>\n'
    '      <form method="post" action="{url}" hx-post="{url}" hx-target="#link-{pk}" '
    'hx-swap="outerHTML" class="mt-1">\n'
    "        {csrf}\n"
    '        <p class="small mb-1">Remove “{title}” from {ref} for {year}?\n'
    "          The item stays in the evidence library and in other years.</p>\n"
    '        <button type="submit" class="btn btn-sm btn-danger">Unlink “{short_title}”</button>\n'
    "      </form>\n"
    "    </details>"
)
_NOTE = Fragment('<p class="mb-0 mt-1 small">{note}</p>')

_NOTE_FORM_TEXT = (
    '<form id="link-note-{pk}" class="link-note-form mt-2" method="post" action="{url}"\n'
    "  {htmx}>\n"
    "  {csrf}\n"
    '  <label class="form-label small mb-1" for="link-note-text-{pk}">'
    "How “{title}” supports {ref}</label>\n"
    '  <div class="d-flex gap-1 align-items-start">\n'
    '    <textarea name="note" id="link-note-text-{pk}" class="form-control form-control-sm" '
    'rows="2" maxlength="2000"\n'
    '      aria-describedby="link-note-status-{pk}"{invalid}{readonly}>\n'
    "{note}</textarea>\n"
    "    {save}\n"
    "  </div>\n"
    '  <p class="save-status small mb-0" id="link-note-status-{pk}" data-save-status>{status}'
    "</p>\n"
    "</form>\n"
)
_NOTE_HTMX = (
    'hx-post="{url}" hx-trigger="change, submit" hx-target="this" '
    'hx-swap="outerHTML settle:0ms" hx-sync="this:queue last"'
)
_INVALID = mark_safe(' aria-invalid="true"')
_READONLY = mark_safe(" readonly")
_SAVE = mark_safe(
    '<button type="submit" class="btn btn-sm btn-outline-secondary">Save'
    '<span class="visually-hidden"> the note</span></button>'
)
_NOTE_FORMS = fragments_open_and_locked(_NOTE_FORM_TEXT, htmx=_NOTE_HTMX, save=_SAVE)
_NOT_SAVED = Fragment('<span class="text-danger">Not saved: {error}</span>')
_SAVED = Fragment('<span class="text-success">✓ Saved {saved_at}</span>')


def _short(title: str, length: int = 40) -> str:
    """``|truncatechars:40``, without its character walk for a title that fits (it then
    returns the title NFC-normalised, as here)."""
    if len(title) <= length:
        if unicodedata.is_normalized("NFC", title):  # most titles: no copy made
            return title
        return unicodedata.normalize("NFC", title)
    return truncatechars(title, length)


def _day(value) -> str:
    """What ``|date:"j M Y"`` shows: a date, or a moment in the current time zone."""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "j M Y")


def note_form_html(
    link,
    *,
    slug: str,
    year: int,
    csrf: SafeString,
    note: str | None = None,
    saved_at: str = "",
    error: str = "",
    locked: bool = False,
) -> SafeString:
    """The note of one link, saved in place (``org:link-note``): the stored note, or
    ``note`` as submitted; with the save's error or time."""
    url = row_url("org:link-note", slug, year, link.pk)
    return _note_form(link, url, csrf, note=note, saved_at=saved_at, error=error, locked=locked)


def _note_form(
    link,
    url: str,
    csrf: SafeString,
    *,
    note: str | None = None,
    saved_at: str = "",
    error: str = "",
    locked: bool = False,
    pk: SafeString | None = None,
    title: SafeString | None = None,
    ref: SafeString | None = None,
) -> SafeString:
    if error:
        status = _NOT_SAVED(error=error)
    elif saved_at:
        status = _SAVED(saved_at=saved_at)
    else:
        status = EMPTY
    return _NOTE_FORMS[locked](
        pk=link.pk if pk is None else pk,
        url=url,
        csrf=csrf,
        title=link.evidence.title if title is None else title,
        ref=link.element.ref if ref is None else ref,
        invalid=_INVALID if error else EMPTY,
        readonly=_READONLY if locked else EMPTY,
        note=link.note if note is None else note,
        status=status,
    )


class _LinkList:
    """The drawing of a list of links on one page: what every item reads of the page (the
    organisation, the year, who may do what), and what the items share, worked out once
    (the URL patterns, the kinds' names, the days shown)."""

    def __init__(
        self, *, slug: str, year: int, can_edit: bool, may_download: bool, csrf: SafeString
    ):
        self.year = SafeString(escape(year))
        self.can_edit = can_edit
        self.may_download = may_download
        self.csrf = csrf
        self.detail_url = row_urls_html("org:evidence-detail", slug)
        self.download_url = row_urls_html("org:evidence-download", slug)
        self.confirm_url = row_urls_html("org:link-confirm", slug, year)
        self.unlink_url = row_urls_html("org:link-unlink", slug, year)
        self.note_url = row_urls_html("org:link-note", slug, year)
        self._kinds: dict[str, str] = {}
        self._days: dict[object, str] = {}
        self._refs: dict[str, SafeString] = {}

    def ref(self, element) -> SafeString:
        """The element's ref, escaped once (every link of a page has the same element)."""
        try:
            return self._refs[element.ref]
        except KeyError:
            shown = self._refs[element.ref] = SafeString(escape(element.ref))
            return shown

    def kind(self, evidence) -> str:
        """``evidence.get_kind_display()``, once per kind."""
        try:
            return self._kinds[evidence.kind]
        except KeyError:
            label = self._kinds[evidence.kind] = evidence.get_kind_display()
            return label

    def day(self, value) -> str:
        """``_day(value)``, once per value."""
        try:
            return self._days[value]
        except KeyError:
            shown = self._days[value] = _day(value)
            return shown

    def item(self, link) -> SafeString:
        """One evidence item linked to the element in the year: what it is, its review date,
        a way to open it, its re-confirmation when carried forward, and for editors its note
        and the unlink form (for others the note as text)."""
        ev, year, pk = link.evidence, self.year, SafeString(escape(link.pk))
        title = escape(ev.title)
        safe_title = SafeString(title)
        if ev.is_overdue:
            review = _OVERDUE(day=self.day(ev.review_by))
        elif ev.review_by:
            review = _REVIEW_BY(day=self.day(ev.review_by))
        else:
            review = EMPTY
        if ev.kind == "file":
            opener = (
                _DOWNLOAD(url=self.download_url(ev.pk), title=safe_title)
                if self.may_download
                else EMPTY
            )
        elif ev.kind == "link" and ev.url:
            opener = _WEB_LINK(url=ev.url, title=safe_title)
        else:
            opener = EMPTY
        if link.needs_confirmation:
            form = EMPTY
            if self.can_edit:
                form = _CONFIRM_FORM(
                    url=self.confirm_url(link.pk),
                    pk=pk,
                    csrf=self.csrf,
                    year=year,
                    title=safe_title,
                )
            confirmation = _TO_CONFIRM(badge=carried_badge(), year=year, form=form)
        elif link.confirmed_at:
            by = link.confirmed_by
            confirmation = _CONFIRMED(
                year=year,
                by=_BY(name=by.get_full_name()) if by else EMPTY,
                day=self.day(link.confirmed_at),
            )
        else:
            confirmation = EMPTY
        if self.can_edit:
            ref = self.ref(link.element)
            edit = _UNLINK(
                note_form=_note_form(
                    link, self.note_url(link.pk), self.csrf, pk=pk, title=safe_title, ref=ref
                ),
                url=self.unlink_url(link.pk),
                pk=pk,
                csrf=self.csrf,
                title=safe_title,
                ref=ref,
                year=year,
                short_title=_short(ev.title),
            )
        elif link.note:
            edit = _NOTE(note=linebreaksbr(link.note, autoescape=True))
        else:
            edit = EMPTY
        return _ITEM(
            pk=pk,
            detail_url=self.detail_url(ev.pk),
            title=safe_title,
            kind=self.kind(ev),
            review=review,
            open=opener,
            confirmation=confirmation,
            edit=edit,
        )


def link_item_html(
    link, *, slug: str, year: int, can_edit: bool, may_download: bool, csrf: SafeString
) -> SafeString:
    """One evidence item linked to the element in ``year`` (``_LinkList.item``)."""
    return _LinkList(
        slug=slug, year=year, can_edit=can_edit, may_download=may_download, csrf=csrf
    ).item(link)


def _page(context) -> dict:
    """What every item reads of the page: the organisation, the year, who may do what."""
    org_can = context.get("org_can") or {}
    return {
        "slug": context["organisation"].slug,
        "year": context["assessment"].year,
        "can_edit": bool(context.get("can_edit")),
        "may_download": bool(org_can.get("download_evidence")),
        "csrf": csrf_input(context.get("csrf_token")),
    }


@register.simple_tag(takes_context=True)
def link_items(context, links: Iterable) -> SafeString:
    """Every link of the element page's list (``page.links``)."""
    drawing = _LinkList(**_page(context))
    return SafeString("".join(drawing.item(link) for link in links))


@register.simple_tag(takes_context=True)
def link_item(context) -> SafeString:
    """The context's ``link``, as a partial's answer (``_link_item.html``)."""
    return link_item_html(context["link"], **_page(context))


@register.simple_tag(takes_context=True)
def link_note_form(context) -> SafeString:
    """The context's ``link`` note form, as a partial's answer (``_link_note_form.html``):
    ``note`` as submitted (None: the stored note), ``saved_at``, ``error``, ``locked``."""
    page = _page(context)
    return note_form_html(
        context["link"],
        slug=page["slug"],
        year=page["year"],
        csrf=page["csrf"],
        note=context.get("note"),
        saved_at=context.get("saved_at", ""),
        error=context.get("error", ""),
        locked=bool(context.get("locked", False)),
    )
