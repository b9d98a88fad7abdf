"""Signing in by email, password reset by email, and brute-force protection."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_by_email(client, mailoutbox):
    user = UserFactory(email="jo@example.test")
    response = client.post(reverse("password_reset"), {"email": "JO@example.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["jo@example.test"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "a-brand-new-pass-2026", "new_password2": "a-brand-new-pass-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-pass-2026")
    # The link works once.
    assert b"This link no longer works" in client.get(link, follow=True).content


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_the_user_model_keys_on_email():
    user = UserFactory(email="Mixed.Case@Example.TEST")
    assert user.email == "mixed.case@example.test"
    assert user.get_username() == "mixed.case@example.test"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_account(client):
    user = UserFactory(email="target@example.test")
    for _ in range(3):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session
