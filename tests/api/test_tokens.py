"""Personal API tokens (accounts.tokens): stored hashed with a visible prefix, named, expiring
after a chosen lifetime, revocable, and refused with a reason once expired or revoked."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken
from tests.api.conftest import expire
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_as_its_hash_and_a_short_prefix(lead):
    new = tokens.create_token(lead, name="  Board script ", lifetime_days=30, acting_user=lead)
    stored = ApiToken.objects.get()
    assert new.secret.startswith("cse_") and len(new.secret) > 40
    assert stored.digest == hashlib.sha256(new.secret.encode()).hexdigest()
    assert stored.prefix == new.secret[:12]
    assert new.secret not in str(ApiToken.objects.values().get())  # nowhere in the row
    assert stored.name == "Board script"
    assert stored.expires_at - stored.created_at == timedelta(days=30)


def test_two_tokens_never_share_a_secret(lead):
    a = tokens.create_token(lead, name="a", lifetime_days=7, acting_user=lead)
    b = tokens.create_token(lead, name="b", lifetime_days=7, acting_user=lead)
    assert a.secret != b.secret and a.token.digest != b.token.digest


def test_the_default_lifetime_is_a_setting_and_always_offered(settings):
    assert tokens.default_lifetime() == 90
    assert tokens.lifetime_choices() == [7, 30, 90, 365]
    settings.API_TOKEN_LIFETIME_DAYS = 60
    assert tokens.lifetime_choices() == [7, 30, 60, 90, 365]


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", 90, "Give the token a name"),
        ("   ", 90, "Give the token a name"),
        ("x" * 101, 90, "100 characters"),
        ("Tab\there", 90, "control"),
        ("Script", 91, r"Choose one of the lifetimes offered \(7, 30, 90, 365 days\)"),
        ("Script", 0, "Choose one of the lifetimes"),
    ],
)
def test_a_token_needs_a_plain_name_and_an_offered_lifetime(lead, name, days, message):
    with pytest.raises(tokens.TokenError, match=message):
        tokens.create_token(lead, name=name, lifetime_days=days, acting_user=lead)
    assert not ApiToken.objects.exists()


def test_only_its_owner_makes_a_token(lead, board):
    with pytest.raises(tokens.TokenError, match="Only its owner"):
        tokens.create_token(lead, name="Script", lifetime_days=7, acting_user=board)


def test_at_most_twenty_usable_tokens_a_person(lead):
    made = [
        tokens.create_token(lead, name=f"t{i}", lifetime_days=7, acting_user=lead)
        for i in range(tokens.MAX_USABLE_TOKENS)
    ]
    with pytest.raises(tokens.TokenError, match="revoke one you no longer need"):
        tokens.create_token(lead, name="one more", lifetime_days=7, acting_user=lead)
    # Revoked and expired tokens do not count.
    tokens.revoke_token(made[0].token, acting_user=lead)
    expire(made[1].secret)
    tokens.create_token(lead, name="one more", lifetime_days=7, acting_user=lead)
    tokens.create_token(lead, name="and another", lifetime_days=7, acting_user=lead)


def test_authenticate_finds_the_user_and_notes_when_it_was_used(lead):
    new = tokens.create_token(lead, name="Script", lifetime_days=7, acting_user=lead)
    token = tokens.authenticate(new.secret)
    assert token.user == lead
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    tokens.authenticate(new.secret)  # within five minutes: not written again
    assert ApiToken.objects.get().last_used_at == first


def test_revoked_expired_unknown_and_foreign_tokens_are_refused_saying_why(lead):
    revoked = tokens.create_token(lead, name="revoked", lifetime_days=7, acting_user=lead)
    assert tokens.revoke_token(revoked.token, acting_user=lead) is True
    assert tokens.revoke_token(revoked.token, acting_user=lead) is False  # already
    expired = tokens.create_token(lead, name="expired", lifetime_days=7, acting_user=lead)
    expire(expired.secret)
    cases = {
        revoked.secret: "was revoked on",
        expired.secret: "expired on",
        "cse_" + "x" * 43: "not known",
        "ghp_" + "x" * 36: "not a CSE Portal API token",
        "cse_" + "x" * 300: "not a CSE Portal API token",
    }
    for secret, reason in cases.items():
        with pytest.raises(tokens.TokenRefused, match=reason):
            tokens.authenticate(secret)


def test_a_disabled_account_signs_nothing_in(lead):
    new = tokens.create_token(lead, name="Script", lifetime_days=7, acting_user=lead)
    lead.is_active = False
    lead.save()
    with pytest.raises(tokens.TokenRefused, match="disabled"):
        tokens.authenticate(new.secret)


def test_only_its_owner_or_a_superuser_revokes_a_token(lead, board):
    new = tokens.create_token(lead, name="Script", lifetime_days=7, acting_user=lead)
    with pytest.raises(tokens.TokenError, match="Only its owner"):
        tokens.revoke_token(new.token, acting_user=board)
    staff = UserFactory(is_superuser=True)
    assert tokens.revoke_token(new.token, acting_user=staff) is True
    assert ApiToken.objects.get().revoked_at <= timezone.now()


def test_usable_leaves_out_revoked_and_expired_tokens(lead):
    kept = tokens.create_token(lead, name="kept", lifetime_days=7, acting_user=lead)
    gone = tokens.create_token(lead, name="gone", lifetime_days=7, acting_user=lead)
    old = tokens.create_token(lead, name="old", lifetime_days=7, acting_user=lead)
    tokens.revoke_token(gone.token, acting_user=lead)
    expire(old.secret)
    assert list(ApiToken.objects.usable()) == [kept.token]
