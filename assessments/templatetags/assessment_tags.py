"""The small fragments of the assessment pages drawn in Python: a rating's letters and badge,
the legend of the rating letters, and the rows of a year's grid (with their self-rating form,
their notes and why each needs attention).

Each fragment has ONE drawing, used by every page and partial that shows it: the grid row's
forms and the HTMX answers that replace them after a save are the same function's output, and
a rating is drawn by ``rating_badge`` wherever it appears (the grid, the element page, the
years list, the dashboard), its letters explained by ``rating_legend``.

Why Python and not template includes, for the grid rows only: a year's grid has 72 rows, each
with two forms, and Django's template engine costs microseconds per tag and variable — the
rows took ~35 ms as includes and still ~12 ms as one flat template loop; with ``format_html``
~8 ms (its lazy-string checks and ``str.format``'s parsing of the format string on every call
cost more than the escaping). A :class:`Fragment` is ``format_html`` with the format string
parsed once: the rows take ~2 ms. Every other part of the pages (the element page, its
self-assessment form) is a template. Nothing here decides anything: the rows arrive from
``assessments.queries`` with their figures, reasons and URLs; this module only draws them.

    {% load assessment_tags %}
    {% rating_badge result.rating %}    CP, C, PC or NC in its colour, its name for screen readers
    {% rating_letters "CP" %}           the letters alone (a table's column heading)
    {% rating_legend %}                 what the letters mean, shown on every page that has them
    {% grid_self_form %}  {% grid_notes %}   a grid row's forms, as the answer to a save
                                        (read the context made by views._self_form_context)
    {% grid_table group %}              (reads can_edit, can_mark, request and csrf_token from the
                                        context; can_mark: the assessor's form in every row)
    {% grid_sections grid.groups %}     a section per criterion, each with its grid_table
    {% criterion_jump grid.groups %}    the "Jump to" links
    {% grid_mark_form %}                a grid row's assessor form, as the answer to a save
    {% select_options form.fields.rating.choices selected_value %}
    {% carried_badge %}  {% sampled_mark result.sampled %}
    {% row_url "org:link-note" organisation.slug assessment.year link.pk %}   a list's URLs
    {% page_url "org:summaries" organisation.slug assessment.year %}   a page's own links
    {{ year_url|element_href:ref }}   an element's page in a list of refs
    {% sample_choices state.candidates ticked %}   the sampling page's checkboxes
"""

import functools
import html
from collections.abc import Callable, Iterable, Sequence
from string import Formatter

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeData, SafeString, mark_safe

from assessments.forms import NOTES_MAX_LENGTH, SELF_RATING_CHOICES
from assessments.models import RATING_ORDER, Rating
from assessments.queries import CriterionGroup, GridRow, element_url
from assessments.queries import anchor as anchor_of

register = template.Library()

EMPTY = mark_safe("")


def escape(value: object) -> str:
    """``conditional_escape``: a safe value as it is, anything else escaped as text."""
    cls = value.__class__
    if cls is SafeString:  # the common cases first: already drawn, a number
        return value
    if cls is int:
        return str(value)
    if isinstance(value, str):
        return value if isinstance(value, SafeData) else html.escape(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _safe(value: object) -> SafeString:
    """``SafeString(escape(value))``, without a copy of a value drawn already."""
    return value if value.__class__ is SafeString else SafeString(escape(value))


class Fragment:
    """``format_html`` with its format string parsed once: ``Fragment("<b>{name}</b>")(name=x)``
    escapes every value unless it is marked safe, and returns a SafeString. Named fields only,
    without format specs.

    The parsed string is made into one Python function, once: each field's value escaped
    once however often the field appears, then the pieces joined (a grid of 72 rows calls
    its fragments ~700 times a page: a loop over the parts took twice as long)."""

    __slots__ = ("_parts", "_draw")

    def __init__(self, format_string: str):
        parts = []
        for literal, name, spec, conversion in Formatter().parse(format_string):
            if name is not None and (not name.isidentifier() or spec or conversion):
                raise ValueError(f"Fragment fields are plain names: {{{name}}}")
            parts.append((literal, name))
        self._parts = tuple(parts)
        self._draw = _compiled(self._parts)

    def __call__(self, **values: object) -> SafeString:
        return self._draw(values)

    def join(self, items: Iterable[object]) -> SafeString:
        """The fragment (of one field) once per item, joined: ``<li>{line}</li>`` → the list's
        items."""
        [(before, _name), (after, _none)] = self._parts
        return SafeString("".join(f"{before}{escape(item)}{after}" for item in items))


def _compiled(parts: tuple[tuple[str, str | None], ...]) -> Callable[[dict], SafeString]:
    """The function drawing ``parts`` from a dict of values: every field read from the dict
    (a missing one raises KeyError, as ``str.format`` would), escaped once unless it is a
    SafeString, and the literals and fields joined. Only the field names (identifiers,
    checked by Fragment) enter the code; the literals are passed in as constants."""
    names = list(dict.fromkeys(name for _literal, name in parts if name is not None))
    local = {name: f"v{n}" for n, name in enumerate(names)}
    lines = ["def draw(values):"]
    for name in names:
        v = local[name]
        lines.append(f"    {v} = values[{name!r}]")
        lines.append(f"    if {v}.__class__ is not SafeString: {v} = escape({v})")
    pieces = []
    constants: dict[str, object] = {"SafeString": SafeString, "escape": escape}
    for n, (literal, name) in enumerate(parts):
        if literal:
            constants[f"l{n}"] = literal
            pieces.append(f"l{n}")
        if name is not None:
            pieces.append(local[name])
    joined = f"({', '.join(pieces)},)" if pieces else "()"
    lines.append(f"    return SafeString(''.join({joined}))")
    exec("\n".join(lines), constants)  # noqa: S102 - code made from identifiers only
    return constants["draw"]


def fragments_open_and_locked(format_string: str, **parts: str) -> dict[bool, Fragment]:
    """A form's two drawings, by ``locked``: open, with each of ``parts`` (format text whose
    fields the form's values fill: its HTMX attributes, its save button) in its field's
    place; locked, with nothing there. One call draws a form either way."""
    drawings = {}
    for locked in (False, True):
        text = format_string
        for name, part in parts.items():
            text = text.replace("{" + name + "}", "" if locked else part)
        drawings[locked] = Fragment(text)
    return drawings


# --- a URL per row ---------------------------------------------------------------------------
#
# A list of 50 evidence links needs 200 URLs that differ only in the link's id: ``{% url %}``
# resolves the pattern for each (a fifth of the element page's time). ``row_url`` resolves it
# once per pattern and place, with a stand-in id, and puts each id in its place.

_STAND_IN = 987654321


@functools.lru_cache(maxsize=512)
def _url_around_id(name: str, script_prefix: str, args: tuple[object, ...]) -> tuple[str, str]:
    url = reverse(name, args=[*args, _STAND_IN])
    head, found, tail = url.rpartition(str(_STAND_IN))
    if not found:  # pragma: no cover - every int converter writes the number as it is
        raise ValueError(f"{name} does not write its last argument as a number")
    return head, tail


@register.simple_tag
def row_url(name: str, *args: object) -> str:
    """``{% url name *args %}`` whose last argument is an integer id (a list's row): what
    ``reverse`` gives, with the pattern resolved once per name, place and script prefix."""
    *place, row_id = args
    head, tail = _url_around_id(name, get_script_prefix(), tuple(place))
    return f"{head}{int(row_id)}{tail}"


@register.simple_tag
def page_url(name: str, *args: object) -> str:
    """``{% url name *args %}`` for a page's own links (its breadcrumbs, the year's other
    pages), the same on every request: resolved once per process for each name, arguments,
    script prefix and URL configuration (a pure function of them: never stale)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _page_url(name, get_script_prefix(), urlconf, args)


@functools.lru_cache(maxsize=4096)
def _page_url(name: str, script_prefix: str, urlconf: str, args: tuple[object, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args)


def row_urls_html(name: str, *place: object) -> Callable[[object], SafeString]:
    """``row_url(name, *place, id)`` as a function of the id, for a list drawing many rows:
    the script prefix and the pattern looked up once, the URL escaped for HTML (once, around
    the id)."""
    head, tail = _url_around_id(name, get_script_prefix(), tuple(place))
    head, tail = html.escape(head), html.escape(tail)
    return lambda row_id: SafeString(f"{head}{int(row_id)}{tail}")


@register.filter
def element_href(year_url: str, ref: str) -> str:
    """An element's page from its year's URL, ``{{ year_url|element_href:c.ref }}``: what
    ``{% url 'org:element' slug year ref %}`` gives, without resolving the pattern again for
    every element of a list (``queries.element_url``)."""
    return element_url(year_url, ref)


_SAMPLE_CHOICE = Fragment(
    '<li class="col"><div class="form-check">\n'
    "  {was}"
    '<input class="form-check-input" type="checkbox" name="ref" value="{ref}" '
    'id="sample-{n}"{checked}>\n'
    '  <label class="form-check-label" for="sample-{n}">{ref}{recheck}{earlier}</label>\n'
    "</div></li>\n"
)
_WAS = Fragment('<input type="hidden" name="was" value="{ref}">\n  ')
_RECHECK = Fragment(' <span class="badge text-bg-warning">{rating} last year</span>')
_EARLIER = mark_safe(' <span class="small text-muted">(sampled earlier in the cycle)</span>')
_CHECKED = mark_safe(" checked")


@register.simple_tag
def sample_choices(candidates: Iterable, ticked: set[str]) -> SafeString:
    """The sampling page's checkbox per element (``sampling.Candidate``): ticked when in
    ``ticked``, with what was sampled when the page was drawn (``was``), a PC/NC to re-check
    and an element sampled earlier in the cycle said in words. 57 of them: drawn here."""
    return SafeString(
        "".join(
            _SAMPLE_CHOICE(
                was=_WAS(ref=c.ref) if c.sampled_now else EMPTY,
                ref=c.ref,
                n=n,
                checked=_CHECKED if c.ref in ticked else EMPTY,
                recheck=_RECHECK(rating=c.last_rating) if c.must_recheck else EMPTY,
                earlier=_EARLIER if c.sampled_in_cycle else EMPTY,
            )
            for n, c in enumerate(candidates, start=1)
        )
    )


def csrf_input(token: object) -> SafeString:
    """What ``{% csrf_token %}`` draws, from the page's token (evaluated once per request)."""
    token = str(token or "")
    if not token or token == "NOTPROVIDED":
        return EMPTY
    return _CSRF(token=token)


_CSRF = Fragment('<input type="hidden" name="csrfmiddlewaretoken" value="{token}">')


# --- a rating --------------------------------------------------------------------------------
#
# The letters are seen; their meaning is what a screen reader says (the letters themselves are
# hidden from it: "C P" means nothing read aloud). The ``title`` is only a pointer's extra: on
# a touch screen nobody sees it, so every page that shows letters shows ``rating_legend`` too.

_LETTERS = Fragment(
    '<abbr title="{label}" aria-hidden="true">{value}</abbr>'
    '<span class="visually-hidden">{label}</span>'
)
_LETTERS_OF = {value: _LETTERS(value=value, label=Rating(value).label) for value in RATING_ORDER}
_BADGE = Fragment('<span class="rating rating-{value}">{letters}</span>')
_BADGES = {value: _BADGE(value=value, letters=_LETTERS_OF[value]) for value in RATING_ORDER}
_NOT_RATED = mark_safe(
    '<span class="text-muted not-rated"><span aria-hidden="true">–</span>'
    '<span class="visually-hidden">Not rated</span></span>'
)
_NOT_A_RATING = Fragment('<span class="rating">{value}</span>')


@register.simple_tag
def rating_badge(rating: str | None) -> SafeString:
    """CP, C, PC or NC in its colour, read out as the rating's name; "Not rated" (a dash on
    screen) if none. A value that is not a rating is shown as it is, never as one."""
    if not rating:
        return _NOT_RATED
    badge = _BADGES.get(rating)
    if badge is None:
        return _NOT_A_RATING(value=rating)
    return badge


@register.simple_tag
def rating_letters(rating: str) -> SafeString:
    """The letters of a rating without its colour (a column heading), read out as its name."""
    return _LETTERS_OF.get(rating) or SafeString(escape(rating))


_LEGEND_ITEM = Fragment(
    '<li class="list-inline-item text-nowrap"><span class="rating rating-{value}">{value}</span>'
    " {label}</li>"
)
_LEGEND = SafeString(
    '<div class="rating-legend small">'
    '<span class="rating-legend-title">Rating letters:</span>\n'
    '<ul class="list-inline d-inline mb-0">'
    + "".join(_LEGEND_ITEM(value=value, label=Rating(value).label) for value in RATING_ORDER)
    + "</ul></div>"
)


@register.simple_tag
def rating_legend() -> SafeString:
    """What CP, C, PC and NC mean, in words on the page (for touch screens too)."""
    return _LEGEND


_COUNT = Fragment('<td class="text-end">{n}</td>\n')
_CARRIED_COUNT = Fragment(
    '<td class="text-end carried-count">{n}<span class="visually-hidden"> carried forward'
    "</span></td>\n"
)


@register.simple_tag
def year_counts(row) -> SafeString:
    """A year's CP, C, PC and NC counts as four cells of a years table (``row``: a
    queries.YearRow; the dashboard's and the years list's rows). Counts that are not yet the
    year's result (``row.note``: carried forward from the year before) are drawn muted and
    in italics, and say so to screen readers; the note itself sits under the year's status,
    in words (no tooltip: a touch screen shows none)."""
    cell = _CARRIED_COUNT if row.note else _COUNT
    counts = row.figures.counts
    return SafeString("\n\n" + "".join(cell(n=counts[r]) for r in RATING_ORDER) + "\n")


# --- a select's options ----------------------------------------------------------------------

_OPTION = Fragment('<option value="{value}"{selected}>{label}</option>')
_SELECTED = mark_safe(" selected")
_INVALID_OPTION = Fragment('<option value="{value}" selected>{value} (not a rating)</option>')


@register.simple_tag
def select_options(choices: Iterable[tuple[object, object]], selected: object) -> SafeString:
    """A select's ``<option>``s from (value, label) choices, ``selected`` marked."""
    return SafeString(
        "".join(
            _OPTION(value=value, selected=_SELECTED if value == selected else EMPTY, label=label)
            for value, label in choices
        )
    )


# --- a grid row: why the element needs attention ---------------------------------------------

_ATTENTION = Fragment('<div id="attention-{anchor}" class="attention"{oob}>{inner}</div>')
_GRID_REASONS = Fragment('<ul class="list-unstyled mb-0 small">{items}</ul>')
_GRID_REASON = Fragment('<li><span aria-hidden="true">⚠ </span>{reason}</li>')
_GRID_NOTHING = mark_safe(
    '<span class="text-success small"><span aria-hidden="true">✓ </span>Nothing</span>'
)
_OOB = mark_safe(' hx-swap-oob="true"')


@register.simple_tag
def attention(reasons: Sequence[str], anchor: str, oob: bool = False) -> SafeString:
    """A grid row's reasons, in words (or "Nothing"). ``oob`` marks it to be swapped out of
    band by HTMX after a save. (The element page draws its own: _attention.html.)"""
    inner = _GRID_REASONS(items=_GRID_REASON.join(reasons)) if reasons else _GRID_NOTHING
    return _ATTENTION(anchor=anchor, oob=_OOB if oob else EMPTY, inner=inner)


# --- a grid row: the self-rating form --------------------------------------------------------

_VALID_RATINGS = frozenset(value for value, _label in SELF_RATING_CHOICES)
# The short letters in a grid row (the legend above the grid says what they mean).
_GRID_OPTIONS = {
    selected: SafeString(
        "".join(
            _OPTION(
                value=value,
                selected=_SELECTED if value == selected else EMPTY,
                label=value or label,
            )
            for value, label in SELF_RATING_CHOICES
        )
    )
    for selected in _VALID_RATINGS
}

_FORM_TEXT = (
    '<form id="self-{anchor}" class="self-form self-form-grid" method="post" '
    'action="{action}"{htmx}>\n{csrf}\n'
    '<input type="hidden" name="layout" value="grid">\n'
    '<input type="hidden" name="next" value="{next_url}">\n'
    '<label class="visually-hidden" for="self-rating-{anchor}">Self-rating for {ref}</label>\n'
    '<div class="d-flex flex-wrap align-items-center gap-1">\n'
    '<select name="self_rating" id="self-rating-{anchor}" '
    'class="form-select form-select-sm self-select" '
    'aria-describedby="self-status-{anchor}"{invalid}{disabled}>{options}</select>\n'
    '<span class="print-only">{printed}</span>\n'
    "{save}\n"
    "</div>\n"
    '<p class="save-status small mb-0" id="self-status-{anchor}" data-save-status>{status}</p>\n'
    "</form>"
)
# Saves of one form go one at a time, the last change made meanwhile queued behind the one in
# flight (never dropped); static/js/assessments.js swaps in only the answer that matches what
# the form shows, so the form ends showing what is stored. "settle:0ms": HTMX makes the new
# form live at once (by default 20 ms later, and a change in those 20 ms was never sent).
_HTMX = (
    ' hx-post="{action}" hx-trigger="change, submit" hx-target="this"'
    ' hx-swap="outerHTML settle:0ms" hx-sync="this:queue last"'
)
_GRID_SAVE = (
    '<button type="submit" class="btn btn-sm btn-outline-secondary save-nojs">Save'
    '<span class="visually-hidden"> the self-rating of {ref}</span></button>'
)
_FORMS = fragments_open_and_locked(_FORM_TEXT, htmx=_HTMX, save=_GRID_SAVE)
_ARIA_INVALID = mark_safe(' aria-invalid="true"')
_DISABLED = mark_safe(" disabled")
_READONLY = mark_safe(" readonly")
_NOT_SAVED = Fragment('<span class="text-danger">Not saved: {error}</span>')
_SAVED = Fragment('<span class="text-success">✓ Saved {at}</span>')


def _status(error: str, saved_at: str) -> SafeString:
    if error:
        return _NOT_SAVED(error=error)
    if saved_at:
        return _SAVED(at=saved_at)
    return EMPTY


def self_form_html(
    *,
    action: str,
    anchor: str,
    ref: str,
    rating: str,
    next_url: str,
    csrf: SafeString,
    error: str = "",
    saved_at: str = "",
    locked: bool = False,
) -> SafeString:
    """The self-rating of one grid row, saved in place with HTMX (``hx-post``, on change) or
    by a plain post; ``csrf`` is :func:`csrf_input`'s output.

    ``rating`` is what the select shows: a value that is not a rating (a refused post) is kept
    as an extra option marked "(not a rating)". On paper the select prints as the rating's
    letters. A finalised year (``locked``) draws the form disabled, with nothing to send.
    """
    anchor, ref = _safe(anchor), _safe(ref)
    action = _safe(action)
    if rating in _VALID_RATINGS:
        options = _GRID_OPTIONS[rating]
    else:
        options = _GRID_OPTIONS[""] + _INVALID_OPTION(value=rating)
    return _FORMS[locked](
        anchor=anchor,
        action=action,
        csrf=csrf,
        next_url=next_url,
        ref=ref,
        invalid=_ARIA_INVALID if error else EMPTY,
        disabled=_DISABLED if locked else EMPTY,
        options=options,
        printed=rating_badge(rating),
        status=_status(error, saved_at),
    )


# --- a grid row: the notes -------------------------------------------------------------------

PREVIEW_LENGTH = 70

# The row's <details> with its summary; then the notes to read, or their form. One fragment
# each way (a row is drawn 72 times a page): open year, finalised (locked) year, reading.
_SUMMARY = (
    '<details class="row-notes mt-1" id="notes-{anchor}"{open}><summary class="small">'
    '{word}<span class="visually-hidden"> on {ref}</span>{preview}</summary>\n'
)
_NOTES_READ = Fragment(_SUMMARY + '<div class="notes-text small mt-1">{text}</div></details>')


def _notes_form(locked: bool) -> Fragment:
    # Saved by its own button (not on every change); the answer replaces the whole
    # <details>, open, so that its summary shows the notes as stored.
    htmx = (
        ""
        if locked
        else ' hx-post="{action}" hx-trigger="submit" hx-target="#notes-{anchor}"'
        ' hx-swap="outerHTML settle:0ms" hx-sync="this:queue last"'
    )
    save = (
        ""
        if locked
        else '<button type="submit" class="btn btn-sm btn-outline-primary">Save notes'
        '<span class="visually-hidden"> on {ref}</span></button>'
    )
    return Fragment(
        _SUMMARY + '<form class="notes-form mt-1" method="post" action="{action}"' + htmx + ">\n"
        "{csrf}\n"
        '<input type="hidden" name="layout" value="notes">\n'
        '<input type="hidden" name="next" value="{next_url}">\n'
        '<label class="form-label small mb-1" for="notes-text-{anchor}">Notes on {ref} '
        '<span class="text-muted">(what you base the rating on)</span></label>\n'
        '<textarea name="self_notes" id="notes-text-{anchor}" '
        'class="form-control form-control-sm" rows="4" '
        f'maxlength="{NOTES_MAX_LENGTH}" data-unsaved-warning '
        'aria-describedby="notes-status-{anchor}"{invalid}'
        + (" readonly" if locked else "")
        + ">\n{notes}</textarea>\n"
        '<div class="d-flex flex-wrap align-items-center column-gap-2 mt-1">'
        + save
        + '<p class="save-status small mb-0" id="notes-status-{anchor}" data-save-status>'
        "{status}</p></div>\n"
        "</form></details>"
    )


_NOTES_FORM = {False: _notes_form(False), True: _notes_form(True)}
_OPEN = mark_safe(" open")
_NOTES_WORD = mark_safe("Notes")
_ADD_NOTES = mark_safe("Add notes")
_PREVIEW = Fragment(': <span class="notes-preview">{preview}</span>')


def notes_preview(notes: str, length: int = PREVIEW_LENGTH) -> str:
    """The notes on one line, cut to ``length`` characters with an ellipsis."""
    line = " ".join(notes.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


def _lines(text: str) -> SafeString:
    """Text with its line breaks kept (``linebreaksbr``)."""
    return SafeString(html.escape(text).replace("\r\n", "\n").replace("\n", "<br>"))


def notes_html(
    *,
    action: str,
    anchor: str,
    ref: str,
    notes: str,
    next_url: str,
    csrf: SafeString,
    form: bool,
    error: str = "",
    saved_at: str = "",
    locked: bool = False,
    open_: bool = False,
) -> SafeString:
    """A grid row's notes in a folded <details>: to read (``form`` False; nothing at all when
    there are none), or a textarea saved by its own button, in place with HTMX or by a plain
    post. ``open_`` draws it unfolded (the answer to a save)."""
    if not form and not notes:
        return EMPTY
    anchor, ref = _safe(anchor), _safe(ref)
    summary = {
        "anchor": anchor,
        "open": _OPEN if open_ else EMPTY,
        "word": _NOTES_WORD if notes else _ADD_NOTES,
        "ref": ref,
        "preview": _PREVIEW(preview=notes_preview(notes)) if notes else EMPTY,
    }
    if not form:
        return _NOTES_READ(**summary, text=_lines(notes))
    return _NOTES_FORM[locked](
        **summary,
        action=_safe(action),
        csrf=csrf,
        next_url=next_url,
        invalid=_ARIA_INVALID if error else EMPTY,
        notes=notes,
        status=_status(error, saved_at),
    )


# --- a grid row's forms as the answer to a save ----------------------------------------------


@register.simple_tag(takes_context=True)
def grid_self_form(context) -> SafeString:
    """The grid row's self-rating form of ``views._self_form_context``."""
    return self_form_html(
        action=context["action"],
        anchor=context["anchor"],
        ref=context["result"].element.ref,
        rating=context["rating_value"],
        next_url=context["next_url"],
        csrf=csrf_input(context.get("csrf_token")),
        error=context.get("error", ""),
        saved_at=context.get("saved_at", ""),
        locked=context.get("locked", False),
    )


@register.simple_tag(takes_context=True)
def grid_notes(context) -> SafeString:
    """The grid row's notes of ``views._self_form_context``, unfolded."""
    return notes_html(
        action=context["action"],
        anchor=context["anchor"],
        ref=context["result"].element.ref,
        notes=context["notes_value"],
        next_url=context["next_url"],
        csrf=csrf_input(context.get("csrf_token")),
        form=True,
        error=context.get("error", ""),
        saved_at=context.get("saved_at", ""),
        locked=context.get("locked", False),
        open_=True,
    )


# --- the element page's self-assessment form ------------------------------------------------

_ELEMENT_FORM_TEXT = (
    '<form id="self-{anchor}" class="self-form self-form-element" method="post" '
    'action="{action}"{htmx}>\n'
    "  {csrf}\n"
    '  <input type="hidden" name="layout" value="element">\n'
    '  <input type="hidden" name="next" value="{next_url}">\n'
    '  <div class="mb-2">\n'
    '    <label class="form-label" for="self-rating-{anchor}">Self-rating</label>\n'
    '    <select name="self_rating" id="self-rating-{anchor}" class="form-select" '
    'aria-describedby="self-status-{anchor}"{invalid}{disabled}>\n'
    "      {options}\n"
    "      {unknown}\n"
    "    </select>\n"
    "  </div>\n"
    '  <div class="mb-2">\n'
    '    <label class="form-label" for="self-notes-{anchor}">Notes <span class="text-muted small">'
    "(what you base the rating on)</span></label>\n"
    '    <textarea name="self_notes" id="self-notes-{anchor}" class="form-control" rows="4" '
    'maxlength="{max_length}" data-unsaved-warning\n'
    '      aria-describedby="self-status-{anchor}"{readonly}>\n'
    "{notes}</textarea>\n"
    "  </div>\n"
    "  {save}\n"
    '  <p class="save-status small mb-0" id="self-status-{anchor}" data-save-status>{status}</p>\n'
    "</form>"
)
_ELEMENT_FORMS = fragments_open_and_locked(
    _ELEMENT_FORM_TEXT,
    htmx='\n  hx-post="{action}" hx-trigger="change, submit" hx-target="this" '
    'hx-swap="outerHTML settle:0ms" hx-sync="this:queue last"',
    save='<button type="submit" class="btn btn-primary btn-sm">Save</button>',
)


@functools.lru_cache(maxsize=64)
def _element_options(choices: tuple[tuple[str, str], ...], selected: str) -> SafeString:
    """The element page's rating options (their full names), ``selected`` marked."""
    return SafeString(
        "".join(
            _OPTION(value=value, selected=_SELECTED if value == selected else EMPTY, label=label)
            for value, label in choices
        )
    )


@register.simple_tag(takes_context=True)
def element_self_form(context) -> SafeString:
    """The self-rating and notes of one element on its page, saved in place with HTMX (on
    change) or by a plain post (``views._self_form_context``). A finalised year (``locked``)
    draws it read-only, with nothing to send. A rating that is not one (a refused post) is
    kept as an extra option marked "(not a rating)"."""
    rating = context.get("rating_value", "")
    locked = bool(context.get("locked"))
    error = context.get("error", "")
    choices = tuple((str(value), str(label)) for value, label in context["rating_choices"])
    return _ELEMENT_FORMS[locked](
        anchor=context["anchor"],
        action=context["action"],
        csrf=csrf_input(context.get("csrf_token")),
        next_url=context["next_url"],
        invalid=_ARIA_INVALID if error else EMPTY,
        disabled=_DISABLED if locked else EMPTY,
        options=_element_options(choices, rating)
        if isinstance(rating, str)
        else _element_options(choices, str(rating)),
        unknown=_INVALID_OPTION(value=rating) if context.get("rating_unknown") else EMPTY,
        max_length=context["notes_max_length"],
        readonly=_READONLY if locked else EMPTY,
        notes=context["notes_value"],
        status=_status(error, context.get("saved_at", "")),
    )


# --- the carried-forward badge and the sampled mark ------------------------------------------

_CARRIED = mark_safe('<span class="badge text-bg-light border carried">carried forward</span>')
# The sampled "X" of Annex One: a round tag (a box would read as a checkbox).
_SAMPLED = mark_safe(
    '<span class="sampled-mark" aria-hidden="true">X</span>'
    '<span class="visually-hidden">Sampled</span>'
)
_NOT_SAMPLED = mark_safe(
    '<span class="text-muted" aria-hidden="true">–</span>'
    '<span class="visually-hidden">Not sampled</span>'
)


@register.simple_tag
def carried_badge() -> SafeString:
    """The "carried forward" badge of a rating kept from the year before."""
    return _CARRIED


@register.simple_tag
def sampled_mark(sampled: bool) -> SafeString:
    """Annex One's "X" for an element the assessor sampled, a dash otherwise."""
    return _SAMPLED if sampled else _NOT_SAMPLED


# --- the rows of a year's grid ---------------------------------------------------------------

_ROW = Fragment(
    '<tr id="{anchor}" class="element-row{sub_class}{attention_class}">\n'
    '<th scope="row" class="element-ref" data-label="Ref"><a href="{url}">{ref}</a></th>\n'
    '<td class="element-text" data-label="Element">{sub}{text}{guidance}{notes}{actions}</td>\n'
    '<td data-label="Self-rating">{self_rating}</td>\n'
    '<td data-label="Assessor">{rating}{carried}</td>\n'
    '<td data-label="Sampled" class="text-md-center">{sampled}</td>\n'
    '<td data-label="Evidence" class="text-md-center"><a href="{url}#evidence">{count}'
    '<span class="visually-hidden"> evidence item{plural} for {ref}</span></a></td>\n'
    "{attention}"
    "</tr>\n"
)
_ATTENTION_CELL = Fragment('<td data-label="Needs attention">{attention}</td>\n')
_SUB_ROW = mark_safe(" sub-element-row")
_NEEDS_ATTENTION = mark_safe(" needs-attention")
_SUB_ELEMENT = mark_safe('<span class="visually-hidden">Sub-element: </span>')
# Folded: a <details> opens without JavaScript.
_GUIDANCE = Fragment(
    '\n<details class="mt-1 row-guidance"><summary class="small">Guidance</summary>\n'
    '<ul class="guidance small mt-1 mb-0">{lines}</ul>\n'
    "</details>"
)
_LINE = Fragment("<li>{line}</li>")
_SPACED_CARRIED = SafeString(" " + _CARRIED)
_PLURAL = mark_safe("s")
# The element's unfinished improvement actions, a link to its page's actions panel.
_ROW_ACTIONS = Fragment(
    '\n<p class="row-actions small mb-0 mt-1"><a href="{url}#actions">{count} unfinished '
    'improvement action{plural}<span class="visually-hidden"> on {ref}</span></a></p>'
)


def _row_actions(row: GridRow, url: SafeString, ref: SafeString) -> SafeString:
    """How many of the row's improvement actions are open or in progress (nothing if none)."""
    count = row.unfinished_actions
    if not count:
        return EMPTY
    return _ROW_ACTIONS(url=url, count=count, plural=EMPTY if count == 1 else _PLURAL, ref=ref)


@functools.lru_cache(maxsize=1024)
def _element_cells(
    ref: str, text: str, guidance: tuple[str, ...]
) -> tuple[SafeString, SafeString, SafeString, SafeString]:
    """What a grid row shows of its element, escaped: its anchor, ref, text and folded
    guidance. The standard's own words, the same on every page: drawn once per process for
    each element (the values are the key: a changed element is drawn again)."""
    return (
        SafeString(escape(anchor_of(ref))),
        SafeString(escape(ref)),
        SafeString(escape(text)),
        _GUIDANCE(lines=_LINE.join(guidance)) if guidance else EMPTY,
    )


def grid_row_html(
    row: GridRow, *, form: bool, next_url: str, csrf: SafeString, attention_column: bool = True
) -> SafeString:
    """One element (or sub-element) of the year: ref, text, guidance and notes, self-rating (a
    form when ``form``, and the notes a form too), the assessor's rating, sampled, the
    evidence count and what needs attention (not in a finalised year: ``attention_column``
    False). ``next_url`` and ``csrf`` are the same for every row: escaped once."""
    result, element = row.result, row.element
    anchor, ref, text, guidance = _element_cells(element.ref, element.text, element.guidance)
    action = _safe(row.self_url)  # both forms post there
    if form:
        self_rating = self_form_html(
            action=action,
            anchor=anchor,
            ref=ref,
            rating=result.self_rating,
            next_url=next_url,
            csrf=csrf,
        )
    else:
        self_rating = rating_badge(result.self_rating)
    notes = notes_html(
        action=action,
        anchor=anchor,
        ref=ref,
        notes=result.self_notes,
        next_url=next_url,
        csrf=csrf,
        form=form,
    )
    sub, count = row.is_sub_element, row.evidence_count
    url = _safe(row.url)
    return _ROW(
        anchor=anchor,
        sub_class=_SUB_ROW if sub else EMPTY,
        attention_class=_NEEDS_ATTENTION if row.reasons else EMPTY,
        url=url,
        ref=ref,
        sub=_SUB_ELEMENT if sub else EMPTY,
        text=text,
        guidance=guidance,
        notes=notes,
        actions=_row_actions(row, url, ref),
        self_rating=self_rating,
        rating=rating_badge(result.rating),
        carried=_SPACED_CARRIED if result.carried_forward else EMPTY,
        sampled=_SAMPLED if result.sampled else _NOT_SAMPLED,
        count=count,
        plural=EMPTY if count == 1 else _PLURAL,
        attention=_ATTENTION_CELL(attention=attention(row.reasons, anchor))
        if attention_column
        else EMPTY,
    )


_TABLE = Fragment(
    '<table class="table table-sm grid-table align-middle">\n'
    "<colgroup>\n"
    '<col class="col-ref"><col class="col-text"><col class="col-self"><col class="col-assessor">\n'
    '<col class="col-sampled"><col class="col-evidence">{attention_col}\n'
    "</colgroup>\n"
    '<thead class="table-light">\n'
    "<tr>\n"
    '<th scope="col">Ref</th><th scope="col">Element</th><th scope="col">Self-rating</th>\n'
    '<th scope="col">Assessor</th><th scope="col" class="text-center">Sampled</th>'
    '<th scope="col" class="text-center">Evidence</th>\n'
    "{attention_head}"
    "</tr>\n"
    "</thead>\n"
    "{bodies}"
    "</table>"
)
_ATTENTION_COL = mark_safe('<col class="col-attention">')
_ATTENTION_HEAD = mark_safe('<th scope="col">Needs attention</th>\n')
_BODY = Fragment(
    "<tbody>\n"
    '<tr class="subcriterion-row"><th colspan="{columns}" scope="rowgroup">{ref} {title}</th>'
    "</tr>\n"
    "{rows}"
    "</tbody>\n"
)


@register.simple_tag(takes_context=True)
def grid_table(context, group: CriterionGroup) -> SafeString:
    """The table of one criterion: a row group per sub-criterion, its heading then its rows,
    each with its self-rating form when ``can_edit``, whose plain post comes back to this
    page (``next``, with its filters). A finalised year (``assessment`` in the context) has
    no "needs attention" column: its outcome is shown instead."""
    if context.get("can_mark"):  # the assessor's controls in every row
        return mark_table_html(
            group,
            next_url=SafeString(escape(context["request"].get_full_path())),
            csrf=csrf_input(context.get("csrf_token")),
        )
    form = bool(context.get("can_edit"))
    assessment = context.get("assessment")
    attention_column = not (assessment is not None and assessment.is_finalised)
    next_url = SafeString(escape(context["request"].get_full_path())) if form else EMPTY
    csrf = csrf_input(context.get("csrf_token")) if form else EMPTY
    bodies = []
    for sub in group.sub_criteria:
        rows = "".join(
            grid_row_html(
                row, form=form, next_url=next_url, csrf=csrf, attention_column=attention_column
            )
            for row in sub.rows
        )
        bodies.append(
            _BODY(
                columns=7 if attention_column else 6,
                ref=sub.sub_criterion.ref,
                title=sub.sub_criterion.title,
                rows=SafeString(rows),
            )
        )
    return _TABLE(
        attention_col=_ATTENTION_COL if attention_column else EMPTY,
        attention_head=_ATTENTION_HEAD if attention_column else EMPTY,
        bodies=SafeString("".join(bodies)),
    )


_JUMP = Fragment('<li class="list-inline-item"><a href="#criterion-{ref}">{ref} {title}</a></li>')


@register.simple_tag
def criterion_jump(groups: Sequence[CriterionGroup]) -> SafeString:
    """The grid's "Jump to" links, one per criterion shown."""
    return SafeString("".join(_JUMP(ref=g.criterion.ref, title=g.criterion.title) for g in groups))


_SECTION = Fragment(
    "\n"
    '<section class="mb-4 criterion-section" aria-labelledby="criterion-{ref}">\n'
    '  <h2 class="h5" id="criterion-{ref}" tabindex="-1">Criterion {ref}: {title}</h2>\n'
    "  {table}\n"
    "  {back}\n"
    "</section>\n"
)
_BACK_TO_TOP = Fragment(
    '<p class="small back-to-top mb-0"><a href="#grid-top">Back to the top'
    '<span class="visually-hidden"> of the {year} grid</span></a></p>'
)


@register.simple_tag(takes_context=True)
def grid_sections(context, groups: Sequence[CriterionGroup]) -> SafeString:
    """A section per criterion shown, its heading then its table (``grid_table``), with a
    link back to the top when there are several."""
    back = EMPTY
    if len(groups) > 1:
        back = _BACK_TO_TOP(year=context["assessment"].year)
    return SafeString(
        "".join(
            _SECTION(
                ref=group.criterion.ref,
                title=group.criterion.title,
                table=grid_table(context, group),
                back=back,
            )
            for group in groups
        )
    )


# --- the element page's earlier years and its pager -------------------------------------------

_EARLIER_ROW = Fragment(
    "\n"
    "      <tr>\n"
    '        <th scope="row"><a href="{url}">{year}</a></th>\n'
    "        <td>{self_rating}</td>\n"
    "        <td>{rating}</td>\n"
    "        <td>{sampled}</td>\n"
    "      </tr>\n"
    "    "
)


@register.simple_tag
def earlier_rows(earlier: Iterable) -> SafeString:
    """The element page's rows of its earlier years (``queries.EarlierYear``)."""
    return SafeString(
        "".join(
            _EARLIER_ROW(
                url=row.url,
                year=row.year,
                self_rating=rating_badge(row.self_rating),
                rating=rating_badge(row.rating),
                sampled=_SAMPLED if row.sampled else _NOT_SAMPLED,
            )
            for row in earlier
        )
    )


# The elements before and after this one in the standard's order (sub-elements included), as
# links with rel=prev/next; static/js/assessments.js follows them on "[" and "]" (not while
# typing in a field). Absent at the first and the last element; drawn twice, the copy at the
# foot of the page (``bottom``) without the keys.
_PAGER = Fragment(
    "\n\n"
    '<nav class="element-pager d-flex flex-wrap justify-content-between gap-2 {place}"\n'
    '     aria-label="{label}">\n'
    "  {previous}\n"
    "  {hint}\n"
    "  {next}\n"
    "</nav>\n\n"
)
_PREVIOUS = Fragment(
    "\n"
    '  <a class="element-pager-link" rel="prev" href="{url}"{keys}>\n'
    '    <span aria-hidden="true">← </span>Previous<span class="visually-hidden"> {kind}</span>:\n'
    '    <span class="element-ref fw-semibold">{ref}</span></a>\n'
    "  "
)
_NEXT = Fragment(
    "\n"
    '  <a class="element-pager-link text-end" rel="next" href="{url}"{keys}>\n'
    '    Next<span class="visually-hidden"> {kind}</span>:\n'
    '    <span class="element-ref fw-semibold">{ref}</span><span aria-hidden="true"> →</span>'
    "</a>\n"
    "  "
)
_HINT = Fragment(
    '<span class="small text-muted d-none d-md-inline key-hint" aria-hidden="true">Key{s}:\n'
    "    {previous}{between}{next}</span>"
)
_NO_PREVIOUS = mark_safe("<span></span>")
_NO_PAGER = mark_safe("\n\n")  # the lines around the pager, as its template had them
_PREVIOUS_KEYS = mark_safe(' data-key-nav="[" aria-keyshortcuts="["')
_NEXT_KEYS = mark_safe(' data-key-nav="]" aria-keyshortcuts="]"')


def _pager_kind(ref: object) -> SafeString:
    return mark_safe("sub-element") if ref.is_sub_element else mark_safe("element")


@register.simple_tag
def element_pager(page: object, bottom: bool = False) -> SafeString:
    """The previous and next element of an element page (``queries.ElementPage``)."""
    previous, following = page.previous, page.next
    if not (previous or following):
        return _NO_PAGER
    both = bool(previous and following)
    return _PAGER(
        place=mark_safe("mt-4 pt-3 border-top" if bottom else "mb-3"),
        label=mark_safe(
            "Previous and next element, end of page" if bottom else "Previous and next element"
        ),
        previous=_PREVIOUS(
            url=previous.url,
            keys=EMPTY if bottom else _PREVIOUS_KEYS,
            kind=_pager_kind(previous),
            ref=previous.ref,
        )
        if previous
        else _NO_PREVIOUS,
        hint=EMPTY
        if bottom
        else _HINT(
            s=mark_safe("s") if both else EMPTY,
            previous=mark_safe("[ previous") if previous else EMPTY,
            between=mark_safe(" · ") if both else EMPTY,
            next=mark_safe("] next") if following else EMPTY,
        ),
        next=_NEXT(
            url=following.url,
            keys=EMPTY if bottom else _NEXT_KEYS,
            kind=_pager_kind(following),
            ref=following.ref,
        )
        if following
        else EMPTY,
    )


# --- the assessor's mark in a grid row -------------------------------------------------------
#
# In assessor mode (an assessor, the year in assessor review) each row shows the
# organisation's self-rating, notes and evidence, and the assessor's own form: rating, sampled
# mark and comment, sent whole with the version it was drawn from, saved in place like the
# self-rating (on change, one save at a time, swapped only if the form still shows what that
# save sent) or by a plain post.

# The same short options as the self-rating select: one drawing of the rating choices.
_MARK_OPTIONS = _GRID_OPTIONS
_MARK_FORM_TEXT = (
    '<form id="mark-{anchor}" class="mark-form mark-form-grid" method="post" '
    'action="{action}"{stale_attr}{htmx}>\n{csrf}\n'
    '<input type="hidden" name="layout" value="grid">\n'
    '<input type="hidden" name="next" value="{next_url}">\n'
    '<input type="hidden" name="version" value="{version}">\n'
    '<input type="hidden" name="sampled_shown" value="1">\n'
    "{stale}"
    '<div class="d-flex flex-wrap align-items-center gap-2">\n'
    '<label class="visually-hidden" for="mark-rating-{anchor}">Your rating for {ref}</label>\n'
    '<select name="rating" id="mark-rating-{anchor}" '
    'class="form-select form-select-sm mark-select" '
    'aria-describedby="mark-status-{anchor}"{invalid}{disabled}>{options}</select>\n'
    '<div class="form-check mb-0">'
    '<input class="form-check-input" type="checkbox" name="sampled" value="on" '
    'id="mark-sampled-{anchor}"{checked}{disabled}>'
    '<label class="form-check-label small" for="mark-sampled-{anchor}">Sampled'
    '<span class="visually-hidden"> {ref} at this visit</span></label></div>\n'
    "{carried}"
    "</div>\n"
    '<label class="visually-hidden" for="mark-comment-{anchor}">Your comment on {ref}</label>\n'
    '<textarea name="comment" id="mark-comment-{anchor}" '
    'class="form-control form-control-sm mt-1 mark-comment" rows="2" '
    'maxlength="{max_length}" placeholder="Comment (needed for CP, PC, NC)" '
    'data-unsaved-warning aria-describedby="mark-status-{anchor}"{readonly}>\n{comment}'
    "</textarea>\n"
    "{save}"
    '<p class="save-status small mb-0" id="mark-status-{anchor}" data-save-status>{status}</p>\n'
    "</form>"
)
_MARK_SAVE = (
    '<button type="submit" class="btn btn-sm btn-outline-primary mt-1">Save'
    '<span class="visually-hidden"> your mark of {ref}</span></button>\n'
)
_MARK_FORMS = fragments_open_and_locked(_MARK_FORM_TEXT, htmx=_HTMX, save=_MARK_SAVE)
_CHECKED = mark_safe(" checked")
_STALE_ATTR = mark_safe(" data-stale")
_STALE = Fragment(
    '<div class="alert alert-warning small py-1 px-2 mb-1" role="alert">'
    "<strong>{by}</strong> changed this to {rating}{at}, {sampled}. Your {yours} and comment "
    "are kept below: save again to replace it. Their comment: {comment}</div>\n"
)
_NO_COMMENT = mark_safe('<span class="text-muted">none</span>')
_SMALL_CARRIED = SafeString('<span class="small">' + _CARRIED + "</span>\n")


def _stale_html(stale: object, yours: str) -> SafeString:
    at = getattr(stale, "at", None)
    when = ""
    if at is not None:
        when = f" at {timezone.localtime(at).strftime('%H:%M')}"
    return _STALE(
        by=getattr(stale, "by", "") or "Someone",
        rating=rating_badge(getattr(stale, "rating", "")),
        at=when,
        sampled="sampled" if getattr(stale, "sampled", False) else "not sampled",
        yours=yours or "blank rating",
        comment=_lines(stale.comment) if getattr(stale, "comment", "") else _NO_COMMENT,
    )


def mark_form_html(
    *,
    action: str,
    anchor: str,
    ref: str,
    rating: str,
    sampled: bool,
    comment: str,
    version: int,
    carried: bool,
    next_url: str,
    csrf: SafeString,
    error: str = "",
    saved_at: str = "",
    locked: bool = False,
    stale: object = None,
) -> SafeString:
    """A grid row's assessor form (rating, sampled, comment), sent whole with ``version``;
    ``stale`` (a marking.StaleMark) shows the other's change above what was typed."""
    anchor, ref = _safe(anchor), _safe(ref)
    action = _safe(action)
    if rating in _VALID_RATINGS:
        options = _MARK_OPTIONS[rating]
    else:
        options = _MARK_OPTIONS[""] + _INVALID_OPTION(value=rating)
    return _MARK_FORMS[locked](
        anchor=anchor,
        action=action,
        stale_attr=_STALE_ATTR if stale is not None else EMPTY,
        csrf=csrf,
        next_url=next_url,
        version=version,
        stale=_stale_html(stale, rating) if stale is not None else EMPTY,
        ref=ref,
        invalid=_ARIA_INVALID if error else EMPTY,
        disabled=_DISABLED if locked else EMPTY,
        options=options,
        checked=_CHECKED if sampled else EMPTY,
        carried=_SMALL_CARRIED if carried else EMPTY,
        max_length=NOTES_MAX_LENGTH,
        readonly=_READONLY if locked else EMPTY,
        comment=comment,
        status=_status(error, saved_at),
    )


@register.simple_tag(takes_context=True)
def grid_mark_form(context) -> SafeString:
    """The grid row's assessor form of ``marking_views.mark_context``."""
    return mark_form_html(
        action=context["mark_action"],
        anchor=context["anchor"],
        ref=context["result"].element.ref,
        rating=context["mark_rating"],
        sampled=context["mark_sampled"],
        comment=context["mark_comment"],
        version=context["mark_version"],
        carried=context["result"].carried_forward,
        next_url=context["next_url"],
        csrf=csrf_input(context.get("csrf_token")),
        error=context.get("mark_error", ""),
        saved_at=context.get("mark_saved_at", ""),
        locked=context.get("mark_locked", False),
        stale=context.get("stale"),
    )


_MARK_ROW = Fragment(
    '<tr id="{anchor}" class="element-row mark-row{sub_class}">\n'
    '<th scope="row" class="element-ref" data-label="Ref"><a href="{url}">{ref}</a></th>\n'
    '<td class="element-text" data-label="Element">{sub}{text}{guidance}{notes}{actions}</td>\n'
    '<td data-label="Self-rating">{self_rating}</td>\n'
    '<td data-label="Evidence" class="text-md-center"><a href="{url}#evidence">{count}'
    '<span class="visually-hidden"> evidence item{plural} for {ref}</span></a></td>\n'
    '<td data-label="Your mark" class="mark-cell">{form}</td>\n'
    "</tr>\n"
)


def mark_row_html(row: GridRow, *, next_url: str, csrf: SafeString) -> SafeString:
    """One element in assessor mode: the organisation's self-rating, notes (to read) and
    evidence count beside the assessor's form."""
    result, element = row.result, row.element
    anchor, ref, text, guidance = _element_cells(element.ref, element.text, element.guidance)
    url = _safe(row.url)
    sub, count = row.is_sub_element, row.evidence_count
    return _MARK_ROW(
        anchor=anchor,
        sub_class=_SUB_ROW if sub else EMPTY,
        url=url,
        ref=ref,
        sub=_SUB_ELEMENT if sub else EMPTY,
        text=text,
        guidance=guidance,
        notes=notes_html(
            action="",
            anchor=anchor,
            ref=ref,
            notes=result.self_notes,
            next_url="",
            csrf=EMPTY,
            form=False,
        ),  # fmt: skip
        actions=_row_actions(row, url, ref),
        self_rating=rating_badge(result.self_rating),
        count=count,
        plural=EMPTY if count == 1 else _PLURAL,
        form=mark_form_html(
            action=SafeString(f"{url}mark/"),
            anchor=anchor,
            ref=ref,
            rating=result.rating,
            sampled=result.sampled,
            comment=result.comment,
            version=result.version,
            carried=result.carried_forward,
            next_url=next_url,
            csrf=csrf,
        ),
    )


_MARK_TABLE = Fragment(
    '<table class="table table-sm grid-table mark-table align-middle">\n'
    "<colgroup>\n"
    '<col class="col-ref"><col class="col-text"><col class="col-self">'
    '<col class="col-evidence"><col class="col-mark">\n'
    "</colgroup>\n"
    '<thead class="table-light">\n'
    "<tr>\n"
    '<th scope="col">Ref</th><th scope="col">Element</th><th scope="col">Self-rating</th>\n'
    '<th scope="col" class="text-center">Evidence</th><th scope="col">Your mark</th>\n'
    "</tr>\n"
    "</thead>\n"
    "{bodies}"
    "</table>"
)


def mark_table_html(group: CriterionGroup, *, next_url: str, csrf: SafeString) -> SafeString:
    """The table of one criterion in assessor mode."""
    bodies = []
    for sub in group.sub_criteria:
        rows = "".join(mark_row_html(row, next_url=next_url, csrf=csrf) for row in sub.rows)
        bodies.append(
            _BODY(
                columns=5,
                ref=sub.sub_criterion.ref,
                title=sub.sub_criterion.title,
                rows=SafeString(rows),
            )
        )
    return _MARK_TABLE(bodies=SafeString("".join(bodies)))
