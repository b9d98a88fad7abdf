"""Account pages that differ from Django's own."""

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views

from accounts.forms import RateLimitedPasswordResetForm


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page with the rate-limited form: the same answer whatever happened."""

    form_class = RateLimitedPasswordResetForm


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """The neutral "check your email" page, saying how many links an address gets an hour."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "limit_per_address": settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        }
