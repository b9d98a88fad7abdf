"""Forms of the assessment pages: they parse and check input; the services change data."""

from collections.abc import Sequence

from django import forms

from assessments import rules
from assessments.marking import comment_error
from assessments.models import RATING_ORDER, Assessment, Rating, RecommendationChoice
from assessments.queries import NOT_RATED, GridFilters
from cse_portal.text import multi_line, single_line
from cse_portal.web import parse_int
from standards.models import Criterion

NOTES_MAX_LENGTH = 5000

# The self-rating select: blank first, then the ratings in the standard's order.
SELF_RATING_CHOICES = [("", "Not rated")] + [
    (value, f"{value} – {Rating(value).label}") for value in RATING_ORDER
]
_FILTER_RATINGS = [("", "Any"), (NOT_RATED, "Not rated")] + [
    (value, f"{value} – {Rating(value).label}") for value in RATING_ORDER
]


class SelfAssessmentForm(forms.Form):
    self_rating = forms.ChoiceField(
        label="Self-rating",
        choices=SELF_RATING_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": "“%(value)s” is not a rating: choose CP, C, PC or NC, "
            "or leave it blank."
        },
    )
    self_notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GridFilterForm(forms.Form):
    """The grid's GET filters. A value that is not offered is ignored, never an error page."""

    criterion = forms.ChoiceField(label="Criterion", required=False)
    self_rating = forms.ChoiceField(label="Self-rating", choices=_FILTER_RATINGS, required=False)
    rating = forms.ChoiceField(label="Assessor rating", choices=_FILTER_RATINGS, required=False)
    attention = forms.BooleanField(label="Needs attention only", required=False)

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [("", "All criteria")] + [
            (c.ref, f"{c.ref} {c.title}") for c in criteria
        ]

    def filters(self) -> GridFilters:
        if not self.is_bound:
            return GridFilters()
        self.is_valid()
        data = self.cleaned_data  # the valid fields only
        return GridFilters(
            criterion=data.get("criterion") or "",
            self_rating=data.get("self_rating") or "",
            rating=data.get("rating") or "",
            attention=bool(data.get("attention")),
        )


VISIT_HELP = "If it is known already; it can be set or changed later, on the year's details page."


class VisitDateMixin:
    """The visit date of a year: empty, or near the year (``rules.visit_date_error``)."""

    def check_visit_date(self, year: int | None) -> None:
        visit_date = self.cleaned_data.get("visit_date")
        if year is not None and "visit_date" not in self.errors:
            problem = rules.visit_date_error(year, visit_date)
            if problem:
                self.add_error("visit_date", problem)


def _visit_date_field() -> forms.DateField:
    return forms.DateField(
        label="Assessor's visit date",
        required=False,
        help_text=VISIT_HELP,
        error_messages={"invalid": "Enter the date as day, month and year, e.g. 20/11/2019."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class OpenYearForm(VisitDateMixin, forms.Form):
    """Open the next year: only what ``rules.next_opening`` allows is offered and accepted.

    ``years`` are the organisation's years (Assessment rows). The first year may be any year
    a record may hold; after it, the year field holds the one year allowed, read-only. When
    no year may be opened, ``opening.reason`` says why and the page shows no form.
    """

    year = forms.CharField(
        label="Year", max_length=12, error_messages={"required": "Enter the year to open."}
    )
    kind = forms.ChoiceField(
        label="Kind of assessment",
        choices=Assessment.Kind.choices,
        help_text="Suggested from the three-year cycle: the initial assessment, two annual "
        "reviews, then a reassessment.",
    )
    visit_date = _visit_date_field()

    def __init__(self, *args, years: Sequence[Assessment], **kwargs):
        self.years = list(years)
        self.opening = rules.next_opening(self.years)
        kwargs.setdefault(
            "initial", {"year": self.opening.default_year, "kind": self.opening.default_kind}
        )
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        if self.opening.first:
            last = self.opening.years[-1]
            year.widget = forms.NumberInput(
                attrs={"min": rules.FIRST_YEAR, "max": last, "step": 1, "inputmode": "numeric"}
            )
            year.help_text = (
                f"Your organisation's first year: any year from {rules.FIRST_YEAR} to {last}. "
                "Each later year opens after it, one at a time."
            )
        elif self.opening.only_year is not None:
            year.widget = forms.TextInput(attrs={"readonly": True, "inputmode": "numeric"})
            year.help_text = (
                f"The year after {self.opening.latest}, which is finalised: years open one at "
                "a time."
            )

    def clean_year(self) -> int:
        raw = self.cleaned_data["year"].strip()
        year = parse_int(raw, 0, 9999)  # ASCII digits only
        if year is None:
            problem = (
                rules.year_error(raw) if self.opening.first else rules.opening_error(self.years, 0)
            )
        else:
            problem = rules.opening_error(self.years, year)
        if problem:
            raise forms.ValidationError(problem)
        return year

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_visit_date(cleaned.get("year"))
        return cleaned


def _date_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        error_messages={"invalid": "Enter the date as day, month and year, e.g. 20/11/2019."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class YearDetailsForm(VisitDateMixin, forms.Form):
    """The details of a year that is not finalised: its kind, the document review and visit
    dates, the lead assessor (one of the organisation's assessors) and the certification
    body. The service checks them again (``services.visit_details_error``)."""

    kind = forms.ChoiceField(label="Kind of assessment", choices=Assessment.Kind.choices)
    document_review_date = _date_field(
        "Document review date", "When the assessor reviews the documents, before the visit."
    )
    visit_date = _visit_date_field()
    visit_end_date = _date_field(
        "Last day of the visit", "Only for a visit of more than one day; otherwise leave it empty."
    )
    lead_assessor = forms.ModelChoiceField(
        label="Lead assessor",
        queryset=None,
        required=False,
        empty_label="Not named yet",
        error_messages={"invalid_choice": "Choose one of the organisation's assessors."},
    )
    certification_body = forms.CharField(
        label="Certification body",
        max_length=Assessment._meta.get_field("certification_body").max_length,
        required=False,
        validators=[single_line],
    )

    def __init__(self, *args, assessment: Assessment, assessors=None, **kwargs):
        self.assessment = assessment
        kwargs.setdefault(
            "initial",
            {
                "kind": assessment.kind,
                "document_review_date": assessment.document_review_date,
                "visit_date": assessment.visit_date,
                "visit_end_date": assessment.visit_end_date,
                "lead_assessor": assessment.lead_assessor_id,
                "certification_body": assessment.certification_body,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["lead_assessor"].queryset = assessors
        self.fields["lead_assessor"].label_from_instance = lambda user: user.get_full_name()
        self.fields["visit_date"].label = "Assessor's visit date (first day)"
        self.fields["visit_date"].help_text = (
            f"Leave it empty while the date is not known. It falls within {assessment.year}, "
            "or the year before or after."
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_visit_date(self.assessment.year)
        start, end = cleaned.get("visit_date"), cleaned.get("visit_end_date")
        if end is not None and "visit_end_date" not in self.errors:
            if start is None and "visit_date" not in self.errors:
                self.add_error("visit_date", "Give the visit's first day as well as its last.")
            elif start is not None and end < start:
                self.add_error("visit_end_date", "The last day cannot be before the first day.")
        return cleaned


# --- the assessor's marking ------------------------------------------------------------------

COMMENT_MAX_LENGTH = NOTES_MAX_LENGTH
SUMMARY_MAX_LENGTH = 20000

# The assessor's rating: blank ("Not rated") first, then the ratings in the standard's order.
MARK_RATING_CHOICES = SELF_RATING_CHOICES


class MarkForm(forms.Form):
    """The assessor's rating, sampled mark and comment of one result, with the version the
    form was drawn from. Which fields were sent is the view's to tell (a field not sent is
    kept as stored); the comment rule is checked here when both are sent, and by the service
    against what would be stored."""

    rating = forms.ChoiceField(
        label="Assessor's rating",
        choices=MARK_RATING_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": "“%(value)s” is not a rating: choose CP, C, PC or NC, "
            "or leave it blank."
        },
    )
    sampled = forms.BooleanField(label="Sampled at this visit", required=False)
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.CharField(required=False)

    def clean_version(self) -> int:
        version = parse_int(self.cleaned_data.get("version"), 0, 2**31 - 1)
        if version is None:
            raise forms.ValidationError(
                "The form was not sent whole (its version is missing): reload the page and "
                "save again."
            )
        return version

    def clean(self) -> dict:
        cleaned = super().clean()
        if "rating" in self.data and "comment" in self.data:
            problem = comment_error(cleaned.get("rating") or "", cleaned.get("comment") or "")
            if problem and "comment" not in self.errors:
                self.add_error("comment", problem)
        return cleaned


class SummaryForm(forms.Form):
    """One summary of the assessor's findings (a criterion's or the year's), with a stamp of
    the text it was drawn with (``marking.text_stamp``)."""

    text = forms.CharField(
        label="Findings",
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    drawn = forms.CharField(required=False, max_length=64)


# --- the year's workflow ---------------------------------------------------------------------

MOVE_NOTE_MAX_LENGTH = 5000  # workflow.NOTE_MAX_LENGTH


class MoveNoteForm(forms.Form):
    """The note of a move: optional when submitting or finalising, required when returning a
    year (``required_message``) or reopening it."""

    note = forms.CharField(
        label="Note",
        required=False,
        max_length=MOVE_NOTE_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, label: str = "Note", required_message: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        field.label = label
        if required_message:
            field.required = True
            field.error_messages["required"] = required_message


class OverrideForm(forms.Form):
    """The assessor's own recommendation in place of the computed one, with the reason."""

    recommendation = forms.ChoiceField(
        label="Recommendation",
        required=False,
        choices=[("", "The computed recommendation (no override)")]
        + list(RecommendationChoice.choices),
        error_messages={"invalid_choice": "Choose one of the recommendations offered."},
    )
    reason = forms.CharField(
        label="Reason for the override",
        required=False,
        max_length=MOVE_NOTE_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("recommendation") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for overriding the computed recommendation.")
        return cleaned
