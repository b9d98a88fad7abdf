"""Forms of the members page and of invitation acceptance (rendered with crispy bootstrap5)."""

from django import forms
from django.contrib.auth import get_user_model, password_validation

from accounts.forms import email_field
from cse_portal.text import single_line
from organisations.models import Invitation, Role
from organisations.services import already_member_message, membership_by_email, normalise_email

FULL_NAME_LENGTH = get_user_model()._meta.get_field("full_name").max_length


class InviteForm(forms.Form):
    email = email_field(
        limit=Invitation._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=[("", "Choose a role…"), *Role.choices],
        help_text="Admins manage members; quality leads keep the evidence and the "
        "self-assessment; assessors rate; the governing body reads and takes reports.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        existing = membership_by_email(self.organisation, email)
        if existing is not None:
            raise forms.ValidationError(already_member_message(existing, self.organisation))
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")


class EndDateForm(forms.Form):
    """A membership's last day; empty for none (services.set_end_date checks the rules)."""

    ends_on = forms.DateField(
        label="Last day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The membership lapses the day after: they can then open nothing of the "
        "organisation. Leave it empty for no end date.",
        error_messages={"invalid": "Enter a real date, for example 2027-03-31 (year, month, day)."},
    )


class AcceptInvitationForm(forms.Form):
    """A new account for the invited address: a name and a password (Django's validators)."""

    full_name = forms.CharField(
        label="Full name",
        max_length=FULL_NAME_LENGTH,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": "Please give your name.",
            "max_length": f"A name is {FULL_NAME_LENGTH} characters at most "
            "(this one has %(show_value)d): shorten it.",
        },
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Type the same password again, to be sure of it.",
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password2(self) -> str:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise forms.ValidationError("The two passwords differ.")
        return password2

    def _post_clean(self) -> None:
        super()._post_clean()
        password = self.cleaned_data.get("password2")
        if password and not self.has_error("password2"):
            # Validators such as "too similar to your email" need the would-be user.
            user = get_user_model()(
                email=self.email, full_name=self.cleaned_data.get("full_name", "")
            )
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
