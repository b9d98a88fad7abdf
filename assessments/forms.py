"""Forms of the assessment pages: they parse and check input; the services change data."""

from django import forms
from django.utils import timezone

from assessments.models import RATING_ORDER, Assessment, Rating
from assessments.queries import NOT_RATED, GridFilters
from cse_portal.text import multi_line
from organisations.models import Organisation
from standards.models import Criterion

NOTES_MAX_LENGTH = 5000
SEARCH_MAX_LENGTH = 200

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
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def first_error(self) -> str:
        return next((str(e) for errors in self.errors.values() for e in errors), "")


class LinkNoteForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=2000, validators=[multi_line])


class LinkEvidenceForm(forms.Form):
    evidence_id = forms.IntegerField(
        min_value=1, error_messages={"required": "Choose an evidence item to link."}
    )
    note = forms.CharField(label="Note", required=False, max_length=2000, validators=[multi_line])


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


class OpenYearForm(forms.Form):
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="Kind of assessment", choices=Assessment.Kind.choices)
    visit_date = forms.DateField(
        label="Assessor's visit date",
        required=False,
        help_text="If it is known already; it can be set later.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        self.organisation = organisation
        years = Assessment.objects.for_org(organisation).order_by("-year")
        latest = years.values_list("year", flat=True).first()
        kwargs.setdefault(
            "initial",
            {
                "year": latest + 1 if latest else timezone.localdate().year,
                "kind": Assessment.Kind.ANNUAL_REVIEW if latest else Assessment.Kind.INITIAL,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if Assessment.objects.for_org(self.organisation).filter(year=year).exists():
            raise forms.ValidationError(
                f"{self.organisation.name} already has a {year} assessment: open it from the "
                "list of years, or choose another year."
            )
        return year
