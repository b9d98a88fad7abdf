"""The evidence library's filter form and its summary line, drawn in Python.

As template blocks they read some sixty variables, filters and conditions a drawing (each
field's id, label, value and errors, the options of three selects, the page's counts), a
tenth of the library's drawing. The same markup, whitespace too, as the blocks they replaced
(tests/evidence/test_library_tags.py renders both, in every state of the form, and compares
them)."""

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.assessment_tags import EMPTY, Fragment, page_url, select_options

register = template.Library()

# --- the filter form -------------------------------------------------------------------------

_FORM = Fragment(
    '<form method="get" action="{action}" class="evidence-filters row g-2 align-items-end mb-3"'
    ' role="search" aria-label="Filter the evidence" novalidate>\n'
    '  <div class="col-12 col-md-4 col-lg-3 col-xl-2">\n'
    '    <label class="form-label small mb-1" for="{q_id}">{q_label}</label>\n'
    '    <input type="search" name="q" id="{q_id}" value="{q_value}" maxlength="200"'
    ' class="form-control form-control-sm" placeholder="Title or description">\n'
    "  </div>\n"
    '  <div class="col-6 col-md-2 col-lg-1">\n'
    '    <label class="form-label small mb-1" for="{element_id}">{element_label}</label>\n'
    '    <input type="text" name="element" id="{element_id}" value="{element_value}"'
    ' maxlength="20" inputmode="decimal" placeholder="e.g. 1.1.1"\n'
    '           class="form-control form-control-sm{element_invalid}"{element_described}>\n'
    "    {element_error}\n"
    "  </div>\n"
    '  <div class="col-6 col-md-2">\n'
    '    <label class="form-label small mb-1" for="{kind_id}">{kind_label}</label>\n'
    '    <select name="kind" id="{kind_id}" class="form-select form-select-sm{kind_invalid}">\n'
    "      {kind_options}\n"
    "    </select>\n"
    "    {kind_error}\n"
    "  </div>\n"
    '  <div class="col-12 col-md-4 col-lg-2">\n'
    '    <label class="form-label small mb-1" for="{owner_id}">{owner_label}</label>\n'
    '    <select name="owner" id="{owner_id}" class="form-select form-select-sm{owner_invalid}">\n'
    "      {owner_options}\n"
    "    </select>\n"
    "    {owner_error}\n"
    "  </div>\n"
    "  {year}\n"
    '  <div class="col-auto">\n'
    '    <div class="form-check mb-1">\n'
    '      <input class="form-check-input" type="checkbox" name="overdue" value="on"'
    ' id="{overdue_id}"{checked}>\n'
    '      <label class="form-check-label small" for="{overdue_id}">{overdue_label}</label>\n'
    "    </div>\n"
    "  </div>\n"
    '  <div class="col-auto d-flex gap-2">\n'
    '    <button type="submit" class="btn btn-sm btn-outline-primary">Filter</button>\n'
    "    {clear}\n"
    "  </div>\n"
    "</form>"
)
_YEAR = Fragment(
    "\n"
    '  <div class="col-6 col-md-2 col-lg-auto">\n'
    '    <label class="form-label small mb-1" for="{id}">{label}</label>\n'
    '    <select name="year" id="{id}" class="form-select form-select-sm{invalid}"{described}>\n'
    "      {options}\n"
    "    </select>\n"
    "    {error}\n"
    "  </div>\n"
    "  "
)
_INVALID = mark_safe(" is-invalid")
_ELEMENT_DESCRIBED = mark_safe(' aria-describedby="element-error"')
_ELEMENT_ERROR = Fragment('<div class="invalid-feedback" id="element-error">{error}</div>')
_KIND_ERROR = mark_safe('<div class="invalid-feedback">Choose one of the kinds listed.</div>')
_OWNER_ERROR = mark_safe('<div class="invalid-feedback">Choose one of the members listed.</div>')
_YEAR_DESCRIBED = mark_safe(' aria-describedby="year-error"')
_YEAR_ERROR = Fragment('<div class="invalid-feedback" id="year-error">{error}</div>')
_CHECKED = mark_safe(" checked")
_CLEAR = Fragment('<a class="btn btn-sm btn-link" href="{url}">Clear filters</a>')


def _value(field) -> object:
    """``{{ field.value|default:'' }}``."""
    return field.value() or ""


@register.simple_tag(takes_context=True)
def library_filters(context, form, filters, years: Sequence, current_year) -> SafeString:
    """The library's filter form (``form``: evidence.forms.LibraryFilterForm; ``filters``:
    what it gave, evidence.queries.LibraryFilters): search, element, kind, owner, year (when
    the organisation has years) and overdue, each with its error beside it, and "Clear
    filters" when anything but the default view is shown."""
    action = page_url("org:evidence-list", context["organisation"].slug)
    errors = form.errors
    fields = form.fields
    q, element, kind, owner, overdue = (
        form["q"],
        form["element"],
        form["kind"],
        form["owner"],
        form["overdue"],
    )
    element_errors = errors.get("element")
    year = EMPTY
    if years:
        field = form["year"]
        year_errors = errors.get("year")
        year = _YEAR(
            id=field.id_for_label,
            label=field.label,
            invalid=_INVALID if year_errors else EMPTY,
            described=_YEAR_DESCRIBED if year_errors else EMPTY,
            options=select_options(fields["year"].choices, f"{filters.year or 'all'}"),
            error=_YEAR_ERROR(error=year_errors[0]) if year_errors else EMPTY,
        )
    return _FORM(
        action=action,
        q_id=q.id_for_label,
        q_label=q.label,
        q_value=_value(q),
        element_id=element.id_for_label,
        element_label=element.label,
        element_value=_value(element),
        element_invalid=_INVALID if element_errors else EMPTY,
        element_described=_ELEMENT_DESCRIBED if element_errors else EMPTY,
        element_error=_ELEMENT_ERROR(error=element_errors[0]) if element_errors else EMPTY,
        kind_id=kind.id_for_label,
        kind_label=kind.label,
        kind_invalid=_INVALID if errors.get("kind") else EMPTY,
        kind_options=select_options(fields["kind"].choices, filters.kind),
        kind_error=_KIND_ERROR if errors.get("kind") else EMPTY,
        owner_id=owner.id_for_label,
        owner_label=owner.label,
        owner_invalid=_INVALID if errors.get("owner") else EMPTY,
        owner_options=select_options(fields["owner"].choices, f"{filters.owner_id}"),
        owner_error=_OWNER_ERROR if errors.get("owner") else EMPTY,
        year=year,
        overdue_id=overdue.id_for_label,
        overdue_label=overdue.label,
        checked=_CHECKED if filters.overdue else EMPTY,
        clear=_CLEAR(url=action) if filters.active or filters.year != current_year else EMPTY,
    )


# --- the summary line ------------------------------------------------------------------------

_SUMMARY = Fragment(
    '<div class="d-flex flex-wrap align-items-center justify-content-between gap-2 mb-3">\n'
    '<p class="small text-muted mb-0" aria-live="polite">\n'
    "  {line}\n"
    "</p>\n"
    "{reconfirm}\n"
    "</div>"
)
_LINE = Fragment("\n  {count}{matching}{support}.\n  ")
_PAGE_COUNT = Fragment("Items {start}–{end} of {count}")
_ALL_COUNT = Fragment("{count} item{s}")
_MATCHING = mark_safe(" matching the filters")
_IN_YEAR = Fragment(", with the elements they support in {year}{finalised}")
_FINALISED = mark_safe(" (finalised)")
_EVERY_YEAR = mark_safe(", with the elements they support in every year")
_RECONFIRM = Fragment(
    '\n<a class="btn btn-sm btn-outline-primary" href="{url}">Re-confirm the {count}'
    " carried-forward link{s} of {year}</a>\n"
)


@register.simple_tag(takes_context=True)
def library_summary(context, page, filters, shown_year, years: Sequence) -> SafeString:
    """What the page lists (``page``: the paginator's page of items): its items' numbers and
    how many there are, whether they match filters, the year whose links are shown (or every
    year); and for an editor the button re-confirming the shown year's carried-forward links,
    with their number."""
    count = page.paginator.count
    line = EMPTY
    if count:
        if page.paginator.num_pages > 1:
            counted = _PAGE_COUNT(start=page.start_index(), end=page.end_index(), count=count)
        else:
            counted = _ALL_COUNT(count=count, s=EMPTY if count == 1 else "s")
        if shown_year:
            support = _IN_YEAR(
                year=shown_year.year, finalised=_FINALISED if shown_year.is_finalised else EMPTY
            )
        else:
            support = _EVERY_YEAR if years else EMPTY
        line = _LINE(
            count=counted, matching=_MATCHING if filters.active else EMPTY, support=support
        )
    reconfirm = EMPTY
    may = (context.get("org_can") or {}).get("edit_evidence")
    if may and shown_year and shown_year.may_reconfirm:
        slug = context["organisation"].slug
        n = shown_year.to_reconfirm
        reconfirm = _RECONFIRM(
            url=page_url("org:evidence-reconfirm", slug, shown_year.year),
            count=n,
            s=EMPTY if n == 1 else "s",
            year=shown_year.year,
        )
    return _SUMMARY(line=line, reconfirm=reconfirm)
