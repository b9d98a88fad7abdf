"""The API's tests: a token for any user, and clients that send it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken


@pytest.fixture
def token_for(db):
    """token_for(user, days=90) -> the secret of a new token of ``user``."""

    def make(user, days: int = 90, name: str = "Test script") -> str:
        return tokens.create_token(user, name=name, lifetime_days=days, acting_user=user).secret

    return make


@pytest.fixture
def token_client(token_for):
    """token_client(user) -> a client that sends a new token of ``user`` with each request
    (no session: nobody is signed in by a cookie)."""

    def make(user, keyword: str = "Token") -> Client:
        return Client(headers={"Authorization": f"{keyword} {token_for(user)}"})

    return make


def expire(secret: str) -> ApiToken:
    """Make the token of ``secret`` expired a second ago."""
    token = ApiToken.objects.get(digest=tokens.hash_secret(secret))
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    return token
