"""The small fragments of the assessment pages, drawn in Python: a rating badge, why an
element needs attention, the self-rating form, a select's options, and the tables of a year's
grid.

Each fragment has ONE drawing, used by every page and partial that shows it: the grid's row
form and the HTMX answer that replaces it after a save are the same function's output.

Why Python and not template includes: a year's grid has 72 rows, each with a form, and
Django's template engine costs microseconds per tag and variable — the rows took ~35 ms as
includes and still ~12 ms as one flat template loop; with ``format_html`` ~8 ms (its lazy-string
checks and ``str.format``'s parsing of the format string on every call cost more than the
escaping). A :class:`Fragment` is ``format_html`` with the format string parsed once: the rows
take ~1.5 ms. Nothing here decides anything: the rows arrive from ``assessments.queries`` with
their figures, reasons and URLs; this module only draws them.

    {% load assessment_tags %}
    {% rating_badge result.rating %}
    {% attention page.reasons page.anchor "element" %}
    {% self_form %}                 (reads the context made by views._self_form_context)
    {% grid_table group %}          (reads can_edit, request and csrf_token from the context)
    {% select_options form.fields.rating.choices selected_value %}
"""

import html
from collections.abc import Iterable, Sequence
from string import Formatter

from django import template
from django.utils.safestring import SafeData, SafeString, mark_safe

from assessments.forms import NOTES_MAX_LENGTH, SELF_RATING_CHOICES
from assessments.models import RATING_ORDER, Rating
from assessments.queries import CriterionGroup, GridRow

register = template.Library()

GRID = "grid"
ELEMENT = "element"
EMPTY = mark_safe("")


def escape(value: object) -> str:
    """``conditional_escape``: a safe value as it is, anything else escaped as text."""
    if isinstance(value, str):
        return value if isinstance(value, SafeData) else html.escape(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class Fragment:
    """``format_html`` with its format string parsed once: ``Fragment("<b>{name}</b>")(name=x)``
    escapes every value unless it is marked safe, and returns a SafeString. Named fields only,
    without format specs."""

    __slots__ = ("_parts",)

    def __init__(self, format_string: str):
        parts = []
        for literal, name, spec, conversion in Formatter().parse(format_string):
            if name is not None and (not name.isidentifier() or spec or conversion):
                raise ValueError(f"Fragment fields are plain names: {{{name}}}")
            parts.append((literal, name))
        self._parts = tuple(parts)

    def __call__(self, **values: object) -> SafeString:
        out = []
        append = out.append
        for literal, name in self._parts:
            append(literal)
            if name is not None:
                value = values[name]
                append(value if value.__class__ is SafeString else escape(value))
        return SafeString("".join(out))

    def join(self, items: Iterable[object]) -> SafeString:
        """The fragment (of one field) once per item, joined: ``<li>{line}</li>`` → the list's
        items."""
        [(before, _name), (after, _none)] = self._parts
        return SafeString("".join(f"{before}{escape(item)}{after}" for item in items))


def csrf_input(token: object) -> SafeString:
    """What ``{% csrf_token %}`` draws, from the page's token (evaluated once per request)."""
    token = str(token or "")
    if not token or token == "NOTPROVIDED":
        return EMPTY
    return _CSRF(token=token)


_CSRF = Fragment('<input type="hidden" name="csrfmiddlewaretoken" value="{token}">')


# --- a rating --------------------------------------------------------------------------------

_BADGE = Fragment('<span class="rating rating-{value}" title="{label}">{value}</span>')
_BADGES = {value: _BADGE(value=value, label=Rating(value).label) for value in RATING_ORDER}
_NOT_RATED = mark_safe('<span class="text-muted" title="Not rated">–</span>')
_NOT_A_RATING = Fragment('<span class="rating" title="{value}">{value}</span>')


@register.simple_tag
def rating_badge(rating: str | None) -> SafeString:
    """CP, C, PC or NC in its colour, with the rating's name as a title; a dash if none."""
    if not rating:
        return _NOT_RATED
    badge = _BADGES.get(rating)
    if badge is None:  # not a rating: shown as it is, never as one
        return _NOT_A_RATING(value=rating)
    return badge


# --- why an element needs attention ----------------------------------------------------------

_ATTENTION = Fragment('<div id="attention-{anchor}" class="attention{small}"{oob}>{inner}</div>')
_GRID_REASONS = Fragment('<ul class="list-unstyled mb-0 small">{items}</ul>')
_GRID_REASON = Fragment('<li><span aria-hidden="true">⚠ </span>{reason}</li>')
_GRID_NOTHING = mark_safe(
    '<span class="text-success small"><span aria-hidden="true">✓ </span>Nothing</span>'
)
_REASONS = Fragment(
    '<span class="fw-semibold">Needs attention:</span>\n<ul class="mb-0">{items}</ul>'
)
_REASON = Fragment("<li>{reason}</li>")
_SMALL = mark_safe(" mt-2 small")
_OOB = mark_safe(' hx-swap-oob="true"')


@register.simple_tag
def attention(
    reasons: Sequence[str], anchor: str, layout: str = ELEMENT, oob: bool = False
) -> SafeString:
    """The reasons, in words: a short list in a grid row (or "Nothing"), a titled list on the
    element page. ``oob`` marks it to be swapped out of band by HTMX after a save."""
    grid = layout == GRID
    if grid:
        inner = _GRID_REASONS(items=_GRID_REASON.join(reasons)) if reasons else _GRID_NOTHING
    else:
        inner = _REASONS(items=_REASON.join(reasons)) if reasons else EMPTY
    return _ATTENTION(
        anchor=anchor,
        small=EMPTY if grid else _SMALL,
        oob=_OOB if oob else EMPTY,
        inner=inner,
    )


# --- the self-rating form --------------------------------------------------------------------

_VALID_RATINGS = frozenset(value for value, _label in SELF_RATING_CHOICES)
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


def _options(layout: str, selected: str | None) -> SafeString:
    """The select's options: the short letters in a grid row, the full names on the page."""
    return SafeString(
        "".join(
            _OPTION(
                value=value,
                selected=_SELECTED if value == selected else EMPTY,
                label=(value or label) if layout == GRID else label,
            )
            for value, label in SELF_RATING_CHOICES
        )
    )


# Every (layout, rating) pair drawn once: the options depend on nothing else.
_OPTIONS = {
    (layout, selected): _options(layout, selected)
    for layout in (GRID, ELEMENT)
    for selected in [*_VALID_RATINGS, None]
}

_FORM = Fragment(
    '<form id="self-{anchor}" class="self-form self-form-{layout}" method="post" '
    'action="{action}"{htmx}>\n{csrf}\n'
    '<input type="hidden" name="layout" value="{layout}">\n'
    '<input type="hidden" name="next" value="{next_url}">\n'
    "{fields}\n"
    '<p class="save-status small mb-0" id="self-status-{anchor}" data-save-status>{status}</p>\n'
    "</form>"
)
# Saves of one form go one at a time, the last change made meanwhile queued behind the one in
# flight (never dropped); static/js/assessments.js swaps in only the answer that matches what
# the form shows, so the form ends showing what is stored. "settle:0ms": HTMX makes the new
# form live at once (by default 20 ms later, and a change in those 20 ms was never sent).
_HTMX = Fragment(
    ' hx-post="{action}" hx-trigger="change, submit" hx-target="this"'
    ' hx-swap="outerHTML settle:0ms" hx-sync="this:queue last"'
)
_GRID_FIELDS = Fragment(
    '<label class="visually-hidden" for="self-rating-{anchor}">Self-rating for {ref}</label>\n'
    '<div class="d-flex flex-wrap align-items-center gap-1">\n'
    '<select name="self_rating" id="self-rating-{anchor}" '
    'class="form-select form-select-sm self-select" '
    'aria-describedby="self-status-{anchor}"{invalid}{disabled}>{options}</select>\n'
    "{save}\n"
    "</div>"
)
_GRID_SAVE = Fragment(
    '<button type="submit" class="btn btn-sm btn-outline-secondary save-nojs">Save'
    '<span class="visually-hidden"> the self-rating of {ref}</span></button>'
)
_ELEMENT_FIELDS = Fragment(
    '<div class="mb-2">\n'
    '<label class="form-label" for="self-rating-{anchor}">Self-rating</label>\n'
    '<select name="self_rating" id="self-rating-{anchor}" class="form-select" '
    'aria-describedby="self-status-{anchor}"{invalid}{disabled}>{options}</select>\n'
    "</div>\n"
    '<div class="mb-2">\n'
    '<label class="form-label" for="self-notes-{anchor}">Notes '
    '<span class="text-muted small">(what you base the rating on)</span></label>\n'
    '<textarea name="self_notes" id="self-notes-{anchor}" class="form-control" rows="4" '
    'maxlength="{max_length}" aria-describedby="self-status-{anchor}"{readonly}>'
    "{notes}</textarea>\n"
    "</div>\n"
    "{save}"
)
_ELEMENT_SAVE = mark_safe('<button type="submit" class="btn btn-primary btn-sm">Save</button>')
_ARIA_INVALID = mark_safe(' aria-invalid="true"')
_DISABLED = mark_safe(" disabled")
_READONLY = mark_safe(" readonly")
_NOT_SAVED = Fragment('<span class="text-danger">Not saved: {error}</span>')
_SAVED = Fragment('<span class="text-success">✓ Saved {at}</span>')


def self_form_html(
    *,
    action: str,
    anchor: str,
    ref: str,
    layout: str,
    rating: str,
    notes: str,
    next_url: str,
    csrf: SafeString,
    error: str = "",
    saved_at: str = "",
    locked: bool = False,
) -> SafeString:
    """The self-rating of one element (and its notes, on the element page), saved in place
    with HTMX (``hx-post``) or by a plain post; ``csrf`` is :func:`csrf_input`'s output.

    ``rating`` is what the select shows: a value that is not a rating (a refused post) is kept
    as an extra option marked "(not a rating)". A finalised year (``locked``) draws the form
    disabled, with nothing to send.
    """
    grid = layout == GRID
    anchor, ref = SafeString(escape(anchor)), SafeString(escape(ref))
    action = SafeString(escape(action))
    if rating in _VALID_RATINGS:
        options = _OPTIONS[GRID if grid else ELEMENT, rating]
    else:
        options = _OPTIONS[GRID if grid else ELEMENT, None] + _INVALID_OPTION(value=rating)
    invalid = _ARIA_INVALID if error else EMPTY
    disabled = _DISABLED if locked else EMPTY
    if grid:
        fields = _GRID_FIELDS(
            anchor=anchor,
            ref=ref,
            invalid=invalid,
            disabled=disabled,
            options=options,
            save=EMPTY if locked else _GRID_SAVE(ref=ref),
        )
    else:
        fields = _ELEMENT_FIELDS(
            anchor=anchor,
            invalid=invalid,
            disabled=disabled,
            options=options,
            max_length=NOTES_MAX_LENGTH,
            readonly=_READONLY if locked else EMPTY,
            notes=notes,
            save=EMPTY if locked else _ELEMENT_SAVE,
        )
    status = EMPTY
    if error:
        status = _NOT_SAVED(error=error)
    elif saved_at:
        status = _SAVED(at=saved_at)
    return _FORM(
        anchor=anchor,
        layout=layout,
        action=action,
        htmx=EMPTY if locked else _HTMX(action=action),
        csrf=csrf,
        next_url=next_url,
        fields=fields,
        status=status,
    )


@register.simple_tag(takes_context=True)
def self_form(context) -> SafeString:
    """The form of ``views._self_form_context`` (the element page, the answers to a post)."""
    return self_form_html(
        action=context["action"],
        anchor=context["anchor"],
        ref=context["result"].element.ref,
        layout=context["layout"],
        rating=context["rating_value"],
        notes=context.get("notes_value", ""),
        next_url=context["next_url"],
        csrf=csrf_input(context.get("csrf_token")),
        error=context.get("error", ""),
        saved_at=context.get("saved_at", ""),
        locked=context.get("locked", False),
    )


# --- the rows of a year's grid ---------------------------------------------------------------

_ROW = Fragment(
    '<tr id="{anchor}" class="element-row{sub_class}{attention_class}">\n'
    '<th scope="row" class="element-ref" data-label="Ref"><a href="{url}">{ref}</a></th>\n'
    '<td class="element-text" data-label="Element">{sub}{text}{guidance}</td>\n'
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
    '\n<details class="mt-1"><summary class="small">Guidance</summary>\n'
    '<ul class="guidance small mt-1 mb-0">{lines}</ul>\n'
    "</details>"
)
_LINE = Fragment("<li>{line}</li>")
_CARRIED = mark_safe(' <span class="badge text-bg-light border carried">carried forward</span>')
_SAMPLED = mark_safe(
    '<span class="sampled-mark" title="Sampled by the assessor">X</span>'
    '<span class="visually-hidden"> sampled</span>'
)
_NOT_SAMPLED = mark_safe(
    '<span class="text-muted" title="Not sampled">–</span>'
    '<span class="visually-hidden"> not sampled</span>'
)
_PLURAL = mark_safe("s")


def grid_row_html(
    row: GridRow, *, form: bool, next_url: str, csrf: SafeString, attention_column: bool = True
) -> SafeString:
    """One element (or sub-element) of the year: ref, text and guidance, self-rating (a form
    when ``form``), the assessor's rating, sampled, the evidence count and what needs
    attention (not in a finalised year: ``attention_column`` False). ``next_url`` and
    ``csrf`` are the same for every row: escaped once."""
    result, element = row.result, row.element
    anchor, ref = SafeString(escape(row.anchor)), SafeString(escape(element.ref))
    if form:
        self_rating = self_form_html(
            action=row.self_url,
            anchor=anchor,
            ref=ref,
            layout=GRID,
            rating=result.self_rating,
            notes="",
            next_url=next_url,
            csrf=csrf,
        )
    else:
        self_rating = rating_badge(result.self_rating)
    sub, count, guidance = row.is_sub_element, row.evidence_count, element.guidance
    return _ROW(
        anchor=anchor,
        sub_class=_SUB_ROW if sub else EMPTY,
        attention_class=_NEEDS_ATTENTION if row.reasons else EMPTY,
        url=SafeString(escape(row.url)),
        ref=ref,
        sub=_SUB_ELEMENT if sub else EMPTY,
        text=element.text,
        guidance=_GUIDANCE(lines=_LINE.join(guidance)) if guidance else EMPTY,
        self_rating=self_rating,
        rating=rating_badge(result.rating),
        carried=_CARRIED if result.carried_forward else EMPTY,
        sampled=_SAMPLED if result.sampled else _NOT_SAMPLED,
        count=count,
        plural=EMPTY if count == 1 else _PLURAL,
        attention=_ATTENTION_CELL(attention=attention(row.reasons, anchor, GRID))
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
