from axes.helpers import get_client_ip_address
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest

from accounts.services import allow_password_reset
from accounts.tokens import default_lifetime, lifetime_choices, name_error
from cse_portal.text import single_line


def email_length_limit() -> int:
    """The longest address an account can have: the user table's column (254)."""
    return get_user_model()._meta.get_field("email").max_length


def email_field(limit: int | None = None, **kwargs) -> forms.EmailField:
    """An email address field no longer than the column it ends up in (``limit``, the user
    table's by default), on one plain line."""
    limit = limit or email_length_limit()
    kwargs.setdefault("label", "Email address")
    return forms.EmailField(
        max_length=limit,
        validators=[single_line],
        error_messages={
            "required": "Please give an email address.",
            "invalid": "Enter a whole email address, like name@example.org.",
            "max_length": (
                f"An email address is {limit} characters at most "
                "(this one has %(show_value)d): check what was typed."
            ),
        },
        **kwargs,
    )


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form (field names ``username`` and ``password``), labelled for email."""

    username = email_field(
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email address and password do not match an account. Check both and try "
            "again, or reset your password."
        ),
    }


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending nothing past the rate limit (accounts.services).

    The view answers with the same "check your email" page either way, so neither the limit
    nor the existence of an account shows.
    """

    email = email_field(widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def save(self, *args, request: HttpRequest | None = None, **kwargs) -> None:
        client_ip = get_client_ip_address(request) if request is not None else None
        if not allow_password_reset(self.cleaned_data["email"], client_ip):
            return
        super().save(*args, request=request, **kwargs)


class ApiTokenForm(forms.Form):
    """A new personal API token: its name and how long it lives (accounts.tokens)."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, e.g. “Board dashboard script”.",
        error_messages={
            "required": "Give the token a name, e.g. the script or tool that will use it.",
            "max_length": "Keep the name to 100 characters (this one has %(show_value)d).",
        },
    )
    lifetime = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        error_messages={"invalid_choice": "Choose one of the lifetimes listed."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lifetime"].choices = [
            (str(days), f"{days} days") for days in lifetime_choices()
        ]
        self.fields["lifetime"].initial = str(default_lifetime())

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if error := name_error(name):
            raise forms.ValidationError(error)
        return name
