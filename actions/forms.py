"""Forms of the improvement action pages. They parse and check what was typed;
actions.services saves. Choices (members, years, criteria, evidence) come from lists the view
loads once, so a form runs no query of its own."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from actions import rules
from actions.models import Action
from actions.queries import UNFINISHED, ActionFilters
from actions.services import DESCRIPTION_MAX_LENGTH
from cse_portal.text import multi_line


class DateInput(forms.DateInput):
    """The browser's date picker; the value is written as the ISO date it expects."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def person(user) -> str:
    return f"{user.full_name} ({user.email})" if user.full_name else user.email


def _member_choices(members: list, empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(str(user.pk), person(user)) for user in members]


STATUS_FILTERS = [
    ("", "Any status"),
    (UNFINISHED, "Open or in progress"),
    *Action.Status.choices,
]


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=STATUS_FILTERS,
        error_messages={"invalid_choice": "Choose one of the statuses listed."},
    )
    owner = forms.TypedChoiceField(
        label="Owner",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of the members listed."},
    )
    criterion = forms.ChoiceField(
        label="Criterion",
        required=False,
        error_messages={"invalid_choice": "Choose one of the criteria listed."},
    )
    year = forms.TypedChoiceField(
        label="Raised in",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of the years listed."},
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, members: list, criteria: list, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _member_choices(members, "Anyone")
        self.fields["criterion"].choices = [("", "Any criterion")] + [
            (ref, f"{ref} {title}") for ref, title in criteria
        ]
        self.fields["year"].choices = [("", "Any year")] + [(str(y), str(y)) for y in years]

    def filters(self) -> ActionFilters:
        """The filters that were valid; an invalid one is left out (and its error shown)."""
        if not self.is_bound:
            return ActionFilters()
        self.is_valid()
        data = self.cleaned_data
        return ActionFilters(
            status=data.get("status") or "",
            owner_id=data.get("owner"),
            criterion=data.get("criterion") or "",
            year=data.get("year"),
            overdue=bool(data.get("overdue")),
        )


class ActionForm(forms.Form):
    """An action's details: raising one, or editing it."""

    description = forms.CharField(
        label="What will be done",
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[multi_line],
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what will be done."},
        help_text="The improvement that answers the assessor's finding, in a sentence or two.",
    )
    owner = forms.TypedChoiceField(
        label="Owner",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Who sees that it gets done; they are reminded by email as it falls due.",
        error_messages={"invalid_choice": "Choose the owner among the members listed."},
    )
    due_date = forms.DateField(
        label="Due date",
        widget=DateInput(),
        error_messages={
            "required": "Give the date it is due.",
            "invalid": "Give the due date as a date, such as 2026-03-31.",
        },
    )

    def __init__(self, *args, members: list, current_owner=None, **kwargs):
        """``current_owner``: the owner of the action being edited, kept as a choice even
        after they have left the organisation."""
        super().__init__(*args, **kwargs)
        choices = _member_choices(members, "Nobody yet")
        self.members = {user.pk: user for user in members}
        if current_owner is not None and current_owner.pk not in self.members:
            self.members[current_owner.pk] = current_owner
            choices.append((str(current_owner.pk), f"{person(current_owner)}, no longer a member"))
        self.fields["owner"].choices = choices

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError("Say what will be done.")
        return description

    def clean_owner(self):
        owner_id = self.cleaned_data["owner"]
        return None if owner_id is None else self.members[owner_id]

    def clean_due_date(self) -> date:
        due_date = self.cleaned_data["due_date"]
        message = rules.due_date_error(due_date, timezone.localdate())
        if message:
            raise ValidationError(message)
        return due_date

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("description", "owner", "due_date")}

    def apply_errors(self, error: ValidationError) -> None:
        """Show a ValidationError from the services beside the fields it names."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=Action.Status.choices,
        error_messages={
            "required": "Choose a status.",
            "invalid_choice": "Choose one of the statuses listed.",
        },
    )


class EvidenceChoiceForm(forms.Form):
    """An item of the library, by id, among ``choices`` ((id, title) the view loaded)."""

    evidence = forms.TypedChoiceField(
        label="Evidence from the library",
        coerce=int,
        error_messages={
            "required": "Choose an item of the library.",
            "invalid_choice": "Choose one of the library's items listed.",
        },
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [("", "Choose an item…")] + [
            (str(pk), title) for pk, title in choices
        ]
