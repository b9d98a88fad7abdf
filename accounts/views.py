"""Account pages that differ from Django's own, and the profile page with the personal API
tokens."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from accounts import tokens
from accounts.forms import ApiTokenForm, RateLimitedPasswordResetForm
from accounts.models import ApiToken
from cse_portal.web import redirect_to


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


# --- The profile page: personal API tokens -----------------------------------------------------


@login_required
@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in person's account and their personal API tokens."""
    return _profile_page(request, ApiTokenForm())


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make a token and show its secret, once: the answer is the page itself (never a
    redirect, so the secret is not kept anywhere to show it again) and is not cached."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            new = tokens.create_token(
                request.user,
                name=form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime"],
                acting_user=request.user,
            )
        except tokens.TokenError as error:
            form.add_error(None, str(error))
        else:
            response = _profile_page(request, ApiTokenForm(), new_token=new)
            patch_cache_control(response, no_store=True, private=True)
            return response
    messages.error(request, "The token was not made: please correct the form below.")
    return _profile_page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_pk, user=request.user)
    if tokens.revoke_token(token, acting_user=request.user):
        messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    else:
        messages.info(request, f"The token “{token.name}” was already revoked.")
    return redirect_to(reverse("profile"), anchor="tokens")


def _profile_page(
    request: HttpRequest,
    form: ApiTokenForm,
    new_token: tokens.NewToken | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "tokens": list(ApiToken.objects.filter(user=request.user)),
        "new_token": new_token,
        "max_tokens": tokens.MAX_USABLE_TOKENS,
    }
    return render(request, "accounts/profile.html", context, status=status)
