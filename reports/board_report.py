"""The board report of a year: a governing body's paper on the year's Customer Service
Excellence assessment, as HTML and as a tagged A4 PDF (WeasyPrint). Pure functions of the
assessment and its cover sheet: the Celery task and the ``board_report`` command call them.

The paper follows the NHS board paper the portal was modelled on (a cover sheet, an
executive summary, the figures and the two progression charts, per criterion the assessor's
findings with the Compliance Plus and the Partial or Non-Compliance elements, what changed,
and Annex One), but every figure and every sentence of the summary is counted from the data.

Its typeface is shipped by the project (``static/fonts``, DejaVu Sans, with its licence) and
named by ``@font-face``, so the PDF needs no system font and shows no fallback box.
"""

import base64
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from actions.models import Action
from assessments.models import RATING_ORDER, Assessment, CriterionSummary, ElementResult
from assessments.outcome import RATING_NAMES, Outcome, outcome_of
from reports import charts
from reports.progression import Progression, YearChange, progression

PURPOSES = {
    "decision": "For decision",
    "discussion": "For discussion",
    "information": "For information",
}
ASSURANCE_LEVELS = {
    "substantial": "Substantial assurance",
    "reasonable": "Reasonable assurance",
    "limited": "Limited assurance",
    "none": "No assurance",
}
TEMPLATE = "reports/board_report/report.html"
STYLESHEET = "reports/board_report.css"
# The typeface the report's stylesheet declares with @font-face (static/fonts).
REPORT_FONT = "Report Sans"


@dataclass
class CoverSheet:
    """The cover sheet of a board paper, filled in by whoever asks for the report. Every
    field may be blank; ``purpose`` is a key of ``PURPOSES``, ``assurance`` of
    ``ASSURANCE_LEVELS`` (or blank)."""

    meeting: str = ""
    meeting_date: date | None = None
    author: str = ""
    sponsor: str = ""
    purpose: str = ""
    assurance: str = ""
    recommendation: str = ""
    risks: str = ""
    equality_impact: str = ""
    previously_considered_by: str = ""

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, "")

    @property
    def assurance_label(self) -> str:
        return ASSURANCE_LEVELS.get(self.assurance, "")


# --- The content -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementLine:
    """An element as the report quotes it: its text, the assessor's comment and (PC or NC)
    the improvement actions in hand."""

    ref: str
    text: str
    rating: str
    comment: str = ""
    sampled: bool = False
    actions: tuple["ActionLine", ...] = ()

    @property
    def rating_name(self) -> str:
        return RATING_NAMES.get(self.rating, "")


@dataclass(frozen=True)
class ActionLine:
    description: str
    owner: str
    due_date: date
    status: str
    raised_in: int


@dataclass
class CriterionSection:
    ref: str
    title: str
    summary: str
    counts: dict[str, int]
    elements: int
    sampled: int
    compliance_plus: list[ElementLine] = field(default_factory=list)
    to_improve: list[ElementLine] = field(default_factory=list)  # PC and NC

    @property
    def count_list(self) -> list[tuple[str, str, int]]:
        return [(r, RATING_NAMES[r], self.counts.get(r, 0)) for r in RATING_ORDER]


NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


def number(n: int) -> str:
    """``two`` for 2, ``14`` for 14: small numbers in words, as a paper writes them."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def join_refs(refs: tuple[str, ...] | list[str]) -> str:
    """``2.1.4, 4.1.2 and 5.3.2``."""
    refs = list(refs)
    if not refs:
        return ""
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} and {refs[-1]}"


def _day(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def executive_summary(
    assessment: Assessment,
    outcome: Outcome,
    change: YearChange | None,
    previous_counts: dict[str, int] | None,
    persistent: list[tuple[str, int]],
) -> list[str]:
    """The executive summary's paragraphs, written from the year's figures: deterioration,
    Partial and Non-Compliance, Compliance Plus gained, lost and held, persistent PCs and the
    recommendation. ``change`` is the year's change against the previous year with ratings
    (None: no earlier year); ``persistent`` the (ref, since) of PCs held every year since."""
    total = outcome.elements
    year = assessment.year
    paragraphs: list[str] = []

    kind = Assessment.Kind(assessment.kind).label.lower() if assessment.kind else "assessment"
    visit = f", visited on {_day(assessment.visit_date)}" if assessment.visit_date else ""
    paragraphs.append(
        f"This paper reports the outcome of the organisation's Customer Service Excellence "
        f"{kind} of {year}{visit}. Every figure below is counted from the assessor's ratings "
        f"of the standard's {total} elements."
    )

    if change is None:
        paragraphs.append(
            "This is the organisation's first assessed year, so there is no earlier year "
            "to compare it with."
        )
    elif change.fell:
        fell = ", ".join(f"{ref} ({before} to {now})" for ref, before, now in change.fell)
        n = len(change.fell)
        paragraphs.append(
            f"Performance deteriorated in {number(n)} {_plural(n, 'element', 'elements')} "
            f"since {change.previous}: {fell}."
        )
    else:
        paragraphs.append(
            f"There was no deterioration: no element is rated lower than in {change.previous}."
        )

    pc, nc = outcome.pc, outcome.nc
    if pc:
        same = ""
        if previous_counts is not None:
            before = previous_counts.get("PC", 0)
            if before == len(pc):
                same = f", as many as in {change.previous}" if change else ""
            elif before > len(pc):
                same = f", down from {before} in {change.previous}" if change else ""
            else:
                same = f", up from {before} in {change.previous}" if change else ""
        paragraphs.append(
            f"Partial Compliance remains in {len(pc)} of the {total} elements{same}: "
            f"{join_refs(pc)}."
        )
    else:
        paragraphs.append(f"None of the {total} elements is rated Partial Compliance.")
    if nc:
        paragraphs.append(f"Non-Compliance in {len(nc)} of the {total} elements: {join_refs(nc)}.")
    else:
        paragraphs.append("No element is rated Non-Compliance.")

    cp_now = outcome.counts.get("CP", 0)
    if change is not None:
        gained, lost = outcome.cp_gained, outcome.cp_lost
        if gained:
            n = len(gained)
            paragraphs.append(
                f"The organisation achieved {number(n)} new Compliance Plus "
                f"{_plural(n, 'rating', 'ratings')} this year: {join_refs(gained)}."
            )
        else:
            paragraphs.append("No new Compliance Plus rating was achieved this year.")
        if lost:
            n = len(lost)
            paragraphs.append(
                f"Compliance Plus was lost on {number(n)} {_plural(n, 'element', 'elements')}: "
                f"{join_refs(lost)}."
            )
    share = round(100 * cp_now / total) if total else 0
    paragraphs.append(
        f"{cp_now} of the {total} elements ({share}%) are now rated Compliance Plus."
        if cp_now != 1
        else f"1 of the {total} elements ({share}%) is now rated Compliance Plus."
    )

    if persistent:
        by_since: dict[int, list[str]] = {}
        for ref, since in persistent:
            by_since.setdefault(since, []).append(ref)
        for since, refs in sorted(by_since.items()):
            verb = "has" if len(refs) == 1 else "have"
            paragraphs.append(
                f"{join_refs(refs)} {verb} been rated Partial Compliance every year since {since}."
            )

    paragraphs.append(f"Recommendation: {outcome.label}.")
    return paragraphs


def board_report_context(assessment: Assessment, cover: CoverSheet) -> dict[str, Any]:
    """Everything the report shows, for ``assessment`` (any status) and its cover sheet.

    Seven queries whatever the number of years: the organisation (unless already loaded),
    the Annex One for every year (three: ``reports.progression``), the year's outcome, its
    element results with their text and comments, the criterion summaries, the improvement
    actions on its PC and NC elements.
    """
    organisation = assessment.organisation
    annex: Progression = progression(organisation)
    outcome = outcome_of(assessment)

    column_index = next(i for i, c in enumerate(annex.columns) if c.year == assessment.year)
    column = annex.columns[column_index]
    up_to = annex.between(None, assessment.year)
    change = next((c for c in annex.changes if c.year == assessment.year), None)
    previous_counts = None
    if change is not None and change.previous is not None:
        previous_counts = next(f.counts for f in annex.figures if f.column.year == change.previous)
    persistent = [(p.ref, p.since) for p in up_to.persistent]

    results = list(
        ElementResult.objects.filter(assessment=assessment, element__parent__isnull=True)
        .order_by("element__position")
        .values_list(
            "element__ref",
            "element__text",
            "rating",
            "comment",
            "sampled",
            "element__sub_criterion__criterion__ref",
        )
    )
    summaries = dict(
        CriterionSummary.objects.filter(assessment=assessment).values_list("criterion__ref", "text")
    )
    to_improve_refs = [ref for ref, _t, rating, *_ in results if rating in ("PC", "NC")]
    actions: dict[str, list[ActionLine]] = {}
    action_rows = (
        Action.objects.for_org(organisation)
        .filter(element__ref__in=to_improve_refs, raised_in__year__lte=assessment.year)
        .exclude(status=Action.Status.VERIFIED, raised_in__year__lt=assessment.year)
        .order_by("due_date", "pk")
        .values_list(
            "element__ref",
            "description",
            "owner__first_name",
            "owner__last_name",
            "owner__email",
            "due_date",
            "status",
            "raised_in__year",
        )
    )
    for ref, description, first, last, email, due, status, raised in action_rows:
        owner = f"{first} {last}".strip() or email or "No owner"
        actions.setdefault(ref, []).append(
            ActionLine(description, owner, due, Action.Status(status).label, raised)
        )

    sections: dict[str, CriterionSection] = {}
    for criterion in outcome.criteria:
        sections[criterion.ref] = CriterionSection(
            ref=criterion.ref,
            title=criterion.title,
            summary=summaries.get(criterion.ref, "").strip(),
            counts=criterion.counts,
            elements=criterion.elements,
            sampled=criterion.sampled,
        )
    for ref, text, rating, comment, sampled, criterion_ref in results:
        section = sections.get(criterion_ref)
        if section is None:
            continue
        if rating == "CP":
            section.compliance_plus.append(ElementLine(ref, text, rating, comment, sampled))
        elif rating in ("PC", "NC"):
            section.to_improve.append(
                ElementLine(ref, text, rating, comment, sampled, tuple(actions.get(ref, ())))
            )

    chart_years = [(f.column.label, f.counts) for f in up_to.figures]
    progression_charts = charts.progression_charts(chart_years, id_prefix="board")
    year_figures = next(f for f in annex.figures if f.column.year == assessment.year)
    changes = [c for c in up_to.changes if c.year == assessment.year]

    return {
        "organisation": organisation,
        "assessment": assessment,
        "year": assessment.year,
        "column": column,
        "cover": cover,
        "title": f"Results of the {assessment.year} Customer Service Excellence assessment",
        "outcome": outcome,
        "summary": executive_summary(assessment, outcome, change, previous_counts, persistent),
        "figures": year_figures,
        "previous_counts": previous_counts,
        "figure_rows": _figure_rows(outcome, previous_counts),
        "charts": (
            _pdf_chart(progression_charts.ratings),
            _pdf_chart(progression_charts.compliance_plus),
        ),
        "criteria": list(sections.values()),
        "overall_summary": (assessment.assessor_summary or "").strip(),
        "change": change,
        "changes": changes,
        "persistent": up_to.persistent,
        "annex": annex,
        "annex_groups": _annex_groups(annex),
        "rating_order": RATING_ORDER,
        "rating_names": RATING_NAMES,
        "generated": timezone.localtime(),
    }


@dataclass(frozen=True)
class FigureRow:
    rating: str
    name: str
    now: int
    before: int | None

    @property
    def difference(self) -> str:
        if self.before is None:
            return ""
        delta = self.now - self.before
        return f"+{delta}" if delta > 0 else ("0" if delta == 0 else f"−{-delta}")


def _figure_rows(outcome: Outcome, previous: dict[str, int] | None) -> list[FigureRow]:
    return [
        FigureRow(
            rating,
            RATING_NAMES[rating],
            outcome.counts.get(rating, 0),
            previous.get(rating, 0) if previous is not None else None,
        )
        for rating in RATING_ORDER
    ]


@dataclass(frozen=True)
class PdfChart:
    title: str
    description: str
    svg: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def src(self) -> str:
        """The SVG as a data URL for an ``<img>``: WeasyPrint draws an image's SVG the same
        way every time, where an inline ``<svg>`` was sometimes laid out as its text."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


_FONT_ATTRIBUTE = re.compile(r'font-family="[^"]*"')


def _pdf_chart(chart: charts.Chart) -> PdfChart:
    """The chart's SVG with its text set in the report's own typeface (the page's list of
    system fonts means nothing to WeasyPrint, which must need no system font)."""
    svg = _FONT_ATTRIBUTE.sub(f'font-family="{REPORT_FONT}"', str(chart.svg))
    return PdfChart(chart.title, chart.description, svg, chart.headings, chart.rows)


@dataclass
class AnnexGroup:
    """One criterion of Annex One: its rows, so that each criterion starts a table whose
    heading repeats on every page it spans."""

    ref: str
    title: str
    rows: list = field(default_factory=list)


def _annex_groups(annex: Progression) -> list[AnnexGroup]:
    groups: list[AnnexGroup] = []
    for row in annex.rows:
        if row.kind == "criterion":
            groups.append(AnnexGroup(row.ref, row.text))
        elif groups:
            groups[-1].rows.append(row)
    return groups


# --- Rendering ---------------------------------------------------------------------------------


def _static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static"


def render_board_report_html(assessment: Assessment, cover: CoverSheet) -> str:
    """The report as one HTML document, its stylesheet inline (its font URLs are relative
    to the stylesheet's folder, the base URL the PDF is rendered with)."""
    context = board_report_context(assessment, cover)
    context["stylesheet"] = (_static_dir() / STYLESHEET).read_text(encoding="utf-8")
    return render_to_string(TEMPLATE, context)


def render_board_report_pdf(assessment: Assessment, cover: CoverSheet) -> tuple[bytes, int]:
    """The report as a tagged A4 PDF (PDF/UA-1, with its title and language) and its number
    of pages."""
    from weasyprint import HTML  # heavy: loaded only by what renders

    html = render_board_report_html(assessment, cover)
    # The stylesheet's own folder, so that its font URLs (``../fonts/…``) resolve as they do
    # from the file itself.
    base_url = (_static_dir() / STYLESHEET).parent.as_uri() + "/"
    document = HTML(string=html, base_url=base_url).render(pdf_variant="pdf/ua-1")
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf, len(document.pages)
