"""The audit log's filters (a GET form): each valid filter applies, an invalid one is left
out and its message shown beside what was typed."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from audit.queries import LogFilters
from audit.registry import kind_choices
from cse_portal.text import single_line
from cse_portal.web import parse_int

ELEMENT_REF = re.compile(r"\d{1,2}(\.\d{1,2}){1,3}", re.ASCII)
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


class LogFilterForm(forms.Form):
    person = forms.TypedChoiceField(
        label="Person",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of the people listed."},
    )
    kind = forms.ChoiceField(
        label="Kind of change",
        required=False,
        error_messages={"invalid_choice": "Choose one of the kinds listed."},
    )
    ref = forms.CharField(
        label="Element",
        required=False,
        max_length=20,
        validators=[single_line],
        widget=forms.TextInput(attrs={"placeholder": "e.g. 1.1.1", "inputmode": "decimal"}),
    )
    year = forms.CharField(
        label="Year",
        required=False,
        max_length=4,
        error_messages={"max_length": "Write a year in four digits, such as 2018."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. 2018", "inputmode": "numeric"}),
    )
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2018-06-30."},
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2018-06-30."},
    )

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Anyone"), *people]
        self.fields["kind"].choices = [("", "Every kind"), *kind_choices()]

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"].strip()
        if ref and not ELEMENT_REF.fullmatch(ref):
            raise ValidationError(f"“{ref}” is not an element reference: write one such as 1.1.1.")
        return ref

    def clean_year(self) -> int | None:
        value = self.cleaned_data["year"].strip()
        if not value:
            return None
        year = parse_int(value, EARLIEST.year, LATEST.year)
        if year is None:
            raise ValidationError("Write a year in four digits, such as 2018.")
        return year

    def _clean_day(self, name: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(
                f"Choose a date between {EARLIEST:%d/%m/%Y} and {LATEST:%d/%m/%Y}."
            )
        return day

    def clean_since(self) -> date | None:
        return self._clean_day("since")

    def clean_until(self) -> date | None:
        return self._clean_day("until")

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date comes before the start date: swap them.")
        return data

    def filters(self) -> LogFilters:
        """The filters that were valid; an invalid one is left out (and its error shown)."""
        if not self.is_bound:
            return LogFilters()
        self.is_valid()
        data = self.cleaned_data
        return LogFilters(
            person=data.get("person"),
            ref=data.get("ref") or "",
            year=data.get("year"),
            kinds=(data["kind"],) if data.get("kind") else (),
            since=data.get("since"),
            until=data.get("until"),
        )

    @property
    def active(self) -> bool:
        return self.filters() != LogFilters()
