"""Forms of the evidence pages. They parse and check what was typed; evidence.services saves.

The owner is chosen among the organisation's members, from a list the view loads once, so a
form never runs a query of its own.
"""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from cse_portal.text import multi_line, single_line
from cse_portal.web import parse_int
from evidence.models import Evidence
from evidence.queries import LibraryFilters
from evidence.services import LINK_TARGET_NEEDED, review_dates_error

# ASCII digits only: "١.١.١" is no ref of the standard.
ELEMENT_REF = re.compile(r"^\d{1,2}(\.\d{1,2}){0,3}$", re.ASCII)


def one_year_after(day: date) -> date | None:
    """The same day a year later (28 February after a 29th); None past the calendar's end."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        if day.year >= date.max.year:
            return None
        return day.replace(year=day.year + 1, day=28)


def _date_field(label: str, what: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput(),
        help_text=help_text,
        error_messages={"invalid": f"Give the {what} as a date, such as 2025-03-31."},
    )


def _person(user) -> str:
    return f"{user.full_name} ({user.email})" if user.full_name else user.email


def _owner_choices(members: list, empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(str(user.pk), _person(user)) for user in members]


class DateInput(forms.DateInput):
    """The browser's date picker; the value is written as the ISO date it expects."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# --- the library's filters (GET) ---------------------------------------------------------------

ALL_YEARS = "all"


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        validators=[single_line],
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title or description"}),
    )
    element = forms.CharField(
        label="Element",
        required=False,
        validators=[single_line],
        widget=forms.TextInput(attrs={"placeholder": "e.g. 1.1.1", "inputmode": "decimal"}),
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *Evidence.Kind.choices]
    )
    owner = forms.TypedChoiceField(label="Owner", required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label="Overdue for review", required=False)
    year = forms.ChoiceField(
        label="Year",
        required=False,
        error_messages={"invalid_choice": "Choose one of the years listed."},
    )

    def __init__(self, *args, members: list, years: list[int], **kwargs):
        """``years``: the organisation's assessment years, latest (its current year) first.
        The links shown are those of the current year unless another year, or all years,
        is chosen."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _owner_choices(members, "Anyone")
        self.fields["year"].choices = [(str(year), str(year)) for year in years] + [
            (ALL_YEARS, "All years")
        ]
        self.current_year = years[0] if years else None

    def clean_year(self) -> int | None:
        value = self.cleaned_data["year"]
        if not value:
            return self.current_year
        return None if value == ALL_YEARS else int(value)

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:200]

    def clean_element(self) -> str:
        ref = self.cleaned_data["element"].strip()
        if ref and not ELEMENT_REF.match(ref):
            raise ValidationError(f"“{ref[:20]}” is not an element reference such as 1.1.1.")
        return ref

    def filters(self) -> LibraryFilters:
        """The filters that were valid; an invalid one is left out (and its error shown)."""
        if not self.is_bound:
            return LibraryFilters(year=self.current_year)
        self.is_valid()
        data = self.cleaned_data
        return LibraryFilters(
            q=data.get("q") or "",
            element=data.get("element") or "",
            kind=data.get("kind") or "",
            owner_id=data.get("owner"),
            overdue=bool(data.get("overdue")),
            year=data.get("year", self.current_year),
        )


# --- adding and editing an item ----------------------------------------------------------------


class DetailsForm(forms.Form):
    """What every item has; LinkForm and NoteForm add their own content."""

    title = forms.CharField(
        label="Title",
        max_length=200,
        validators=[single_line],
        error_messages={"required": "Give the item a title."},
    )
    description = forms.CharField(
        label="Description",
        required=False,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What it is and what it shows an assessor.",
    )
    owner = forms.TypedChoiceField(
        label="Owner",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Who keeps this item up to date.",
    )
    evidence_date = _date_field(
        "Evidence date",
        "evidence date",
        "The date the document speaks for (not the day it is added).",
    )
    review_by = _date_field(
        "Review by",
        "review-by date",
        "When it should be looked at again; the owner is reminded.",
    )

    # The fields passed to evidence.services, in this order.
    detail_fields = ["title", "description", "owner", "evidence_date", "review_by"]

    def __init__(self, *args, members: list, current_owner=None, **kwargs):
        """``current_owner``: the owner of the item being edited, kept as a choice even
        after they have left the organisation."""
        super().__init__(*args, **kwargs)
        choices = _owner_choices(members, "Nobody")
        self.members = {user.pk: user for user in members}
        if current_owner is not None and current_owner.pk not in self.members:
            self.members[current_owner.pk] = current_owner
            choices.append((str(current_owner.pk), f"{_person(current_owner)}, no longer a member"))
        self.fields["owner"].choices = choices

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError("Give the item a title.")
        return title

    def clean_owner(self):
        owner_id = self.cleaned_data["owner"]
        return None if owner_id is None else self.members[owner_id]

    def clean(self) -> dict:
        data = super().clean()
        message = review_dates_error(data.get("evidence_date"), data.get("review_by"))
        if message:
            self.add_error("review_by", message)
        return data

    def details(self) -> dict:
        """The cleaned values as keyword arguments of the evidence services."""
        return {name: self.cleaned_data[name] for name in self.detail_fields}

    def apply_errors(self, error: ValidationError) -> None:
        """Show a ValidationError from the services beside the fields it names."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class LinkForm(DetailsForm):
    url = forms.URLField(
        label="Web address",
        max_length=2000,
        assume_scheme="https",
        validators=[single_line],
        error_messages={
            "required": "Give the web address of the page or document.",
            "invalid": "Give a whole web address, such as https://intranet.example.org/policy.",
        },
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    field_order = ["title", "url", "description", "owner", "evidence_date", "review_by"]
    detail_fields = [*DetailsForm.detail_fields, "url"]


class NoteForm(DetailsForm):
    body = forms.CharField(
        label="Note",
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write the note: it is the evidence."},
        help_text="Written evidence, e.g. how a practice works, with dates and names.",
    )
    field_order = ["title", "body", "description", "owner", "evidence_date", "review_by"]
    detail_fields = [*DetailsForm.detail_fields, "body"]


def details_form_class(kind: str) -> type[DetailsForm]:
    return {Evidence.Kind.LINK: LinkForm, Evidence.Kind.NOTE: NoteForm}.get(kind, DetailsForm)


def initial_details(item: Evidence) -> dict:
    return {
        "title": item.title,
        "description": item.description,
        "owner": item.owner_id,
        "evidence_date": item.evidence_date,
        "review_by": item.review_by,
        "url": item.url,
        "body": item.body,
    }


class ReplaceFileForm(forms.Form):
    file = forms.FileField(
        label="New file",
        error_messages={
            "required": "Choose the file that replaces the current one.",
            "empty": "The chosen file is empty.",
        },
        help_text="The current file is kept as an earlier version, which stays downloadable.",
    )


# --- uploading ---------------------------------------------------------------------------------


class UploadForm(forms.Form):
    """What the uploader sends besides its files: where to link them (the element page) and
    the two dates every new item gets.

    The uploader shows the dates with their defaults (today, and a year later); a date field
    left out of the post altogether takes the same default, one sent empty means no date.
    """

    year = forms.CharField(
        required=False,
        error_messages={"null_characters_not_allowed": LINK_TARGET_NEEDED},
    )
    ref = forms.CharField(required=False, validators=[single_line])
    evidence_date = _date_field(
        "Evidence date", "evidence date", "The date the documents speak for."
    )
    review_by = _date_field(
        "Review by",
        "review-by date",
        "When they should be looked at again: the owner is reminded by email beforehand.",
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        today = today or timezone.localdate()
        self.defaults = {"evidence_date": today, "review_by": one_year_after(today)}
        kwargs.setdefault("initial", self.defaults)
        super().__init__(*args, **kwargs)
        for name in ("evidence_date", "review_by"):
            attrs = self.fields[name].widget.attrs
            attrs.setdefault("class", "form-control")
            if self[name].auto_id:
                attrs["aria-describedby"] = f"{self[name].auto_id}-help"

    def clean_year(self) -> int | None:
        value = self.cleaned_data["year"].strip()
        if not value:
            return None
        year = parse_int(value, 1, 9999)
        if year is None:
            raise ValidationError(LINK_TARGET_NEEDED)
        return year

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"].strip()
        if ref and not ELEMENT_REF.match(ref):
            raise ValidationError(f"“{ref[:20]}” is not an element reference such as 1.1.1.")
        return ref

    def _date_or_default(self, name: str) -> date | None:
        if self.is_bound and name not in self.data:
            return self.defaults[name]
        return self.cleaned_data[name]

    def clean_evidence_date(self) -> date | None:
        return self._date_or_default("evidence_date")

    def clean_review_by(self) -> date | None:
        return self._date_or_default("review_by")

    def clean(self) -> dict:
        data = super().clean()
        message = review_dates_error(data.get("evidence_date"), data.get("review_by"))
        if message:
            self.add_error("review_by", message)
        return data

    def dates(self) -> dict:
        """The two dates as keyword arguments of evidence.services.add_file."""
        return {name: self.cleaned_data[name] for name in ("evidence_date", "review_by")}


# --- linking from an element's page (evidence.element_views) ---------------------------------

SEARCH_MAX_LENGTH = 200
LINK_NOTE_MAX_LENGTH = 2000


class LinkNoteForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, max_length=LINK_NOTE_MAX_LENGTH, validators=[multi_line]
    )


class LinkEvidenceForm(LinkNoteForm):
    field_order = ["evidence_id", "note"]

    evidence_id = forms.IntegerField(
        min_value=1, error_messages={"required": "Choose an evidence item to link."}
    )
