"""Signing in by email, password reset by email, and brute-force protection."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import lockout_username
from accounts.models import PasswordResetRequest
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


# --- the lockout counts per normalised address ---------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_counts_every_spelling_of_an_address_together(client):
    """victim1@… locked means VICTIM1@… and ' Victim1@… ' are locked too: one counter."""
    UserFactory(email="victim1@demo.test")
    for spelling in ["victim1@demo.test", "VICTIM1@demo.test", "  Victim1@Demo.Test  "]:
        client.post(reverse("login"), {"username": spelling, "password": "wrong"})
    for spelling in ["VICTIM1@DEMO.TEST", "victim1@demo.test", " vIcTiM1@demo.test "]:
        locked = client.post(reverse("login"), {"username": spelling, "password": PASSWORD})
        assert locked.status_code == 429, spelling
        assert b"Too many sign-in attempts" in locked.content
        assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"victim1@demo.test"}


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_changed_spelling_gets_no_fresh_tries(client):
    UserFactory(email="victim2@demo.test")
    client.post(reverse("login"), {"username": "victim2@demo.test", "password": "wrong"})
    client.post(reverse("login"), {"username": "victim2@demo.test", "password": "wrong"})
    # The third failure, in another case, is the one that locks.
    client.post(reverse("login"), {"username": "Victim2@DEMO.test", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "victim2@demo.test", "password": PASSWORD})
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("typed", "counted"),
    [
        ("Jo@Example.TEST", "jo@example.test"),
        ("  jo@example.test\t", "jo@example.test"),
        ("", None),
        (None, None),
    ],
)
def test_the_lockout_username_is_the_normalised_address(rf, typed, counted):
    request = rf.post(reverse("login"), {} if typed is None else {"username": typed})
    assert lockout_username(request, None) == counted
    assert lockout_username(rf.get("/"), {"username": typed}) == counted


def test_the_lockout_username_always_fits_its_column(rf):
    column = AccessAttempt._meta.get_field("username").max_length
    long_a = "a" * 300 + "@example.test"
    long_b = "a" * 300 + "@example.org"
    key_a = lockout_username(rf.get("/"), {"username": long_a.upper()})
    key_b = lockout_username(rf.get("/"), {"username": long_b})
    assert len(key_a) <= column and len(key_b) <= column
    assert key_a != key_b  # two long addresses sharing a prefix keep separate counters
    assert key_a == lockout_username(rf.get("/"), {"username": long_a})
    assert "\x00" not in lockout_username(rf.get("/"), {"username": "a\x00b@example.test"})


@pytest.mark.parametrize("length", [255, 256, 300, 320])
def test_an_over_long_sign_in_address_is_refused_cleanly(client, length):
    email = "a" * (length - len("@example.test")) + "@example.test"
    assert len(email) == length
    response = client.post(reverse("login"), {"username": email, "password": "wrong"})
    assert response.status_code == 200
    assert "254 characters at most" in response.content.decode()
    assert response.context["form"].data["username"] == email  # kept as typed


@override_settings(AXES_FAILURE_LIMIT=2)
def test_a_failed_sign_in_with_an_over_long_address_is_recorded_within_the_column(rf):
    """Other routes than the sign-in form (the admin's, a script's) reach axes with any length."""
    email = "b" * 300 + "@example.test"
    for _ in range(2):
        request = rf.post(reverse("login"), {"username": email, "password": "wrong"})
        assert authenticate(request, username=email, password="wrong") is None
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.failures_since_start == 2
    assert len(attempt.username) <= 255


# --- password reset requests are rate-limited ----------------------------------------------


def ask_reset(client, email: str, ip: str = "203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_twenty_reset_requests_for_one_address_send_three_emails(client, mailoutbox, settings):
    assert settings.PASSWORD_RESET_LIMIT_PER_ADDRESS == 3
    UserFactory(email="jo@example.test")
    answers = [ask_reset(client, "jo@example.test") for _ in range(20)]
    assert len(mailoutbox) == 3
    # The same neutral answer every time: nothing says the limit was reached.
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_the_address_limit_holds_across_spellings_and_client_addresses(client, mailoutbox):
    UserFactory(email="jo@example.test")
    for n, spelling in enumerate(["jo@example.test", "JO@example.test", " Jo@Example.Test "] * 2):
        ask_reset(client, spelling, ip=f"198.51.100.{n}")
    assert len(mailoutbox) == 3


def test_an_unknown_address_gets_the_same_answer_past_the_limit(client, mailoutbox):
    UserFactory(email="jo@example.test")
    known = [ask_reset(client, "jo@example.test") for _ in range(5)]
    unknown = [ask_reset(client, "nobody@example.test") for _ in range(5)]
    assert {(a.status_code, a["Location"]) for a in known + unknown} == {
        (302, reverse("password_reset_done"))
    }
    done = " ".join(client.get(reverse("password_reset_done")).content.decode().split())
    assert "If an account exists for that address" in done
    assert "at most 3 links an hour to one address" in done
    assert [m.to for m in mailoutbox] == [["jo@example.test"]] * 3


def test_one_client_address_may_ask_for_twenty_an_hour(client, mailoutbox, settings):
    assert settings.PASSWORD_RESET_LIMIT_PER_IP == 20
    settings.PASSWORD_RESET_LIMIT_PER_IP = 4
    users = [UserFactory() for _ in range(6)]
    for user in users:
        ask_reset(client, user.email, ip="192.0.2.1")
    assert len(mailoutbox) == 4
    ask_reset(client, users[5].email, ip="192.0.2.2")  # another client is not held back
    assert len(mailoutbox) == 5


def test_the_limit_lifts_after_the_window(client, mailoutbox, settings):
    UserFactory(email="jo@example.test")
    for _ in range(4):
        ask_reset(client, "jo@example.test")
    assert len(mailoutbox) == 3
    window = timedelta(seconds=settings.PASSWORD_RESET_LIMIT_WINDOW_SECONDS)
    PasswordResetRequest.objects.update(created_at=timezone.now() - window - timedelta(seconds=1))
    ask_reset(client, "jo@example.test")
    assert len(mailoutbox) == 4


def test_refused_requests_do_not_extend_the_wait(client, mailoutbox):
    """Only the requests that were let through count: hammering does not lock the owner out."""
    UserFactory(email="jo@example.test")
    for _ in range(8):
        ask_reset(client, "jo@example.test")
    assert len(mailoutbox) == 3
    now = timezone.now()
    PasswordResetRequest.objects.filter(allowed=True).update(created_at=now - timedelta(minutes=61))
    PasswordResetRequest.objects.filter(allowed=False).update(created_at=now - timedelta(minutes=5))
    ask_reset(client, "jo@example.test")
    assert len(mailoutbox) == 4


def test_the_requests_are_kept_in_the_database_without_the_address(client):
    """The count is shared by every web process; the table does not list who asked."""
    ask_reset(client, "secret.person@example.test")
    (row,) = PasswordResetRequest.objects.values()
    assert "secret.person" not in str(row)
    assert row["client_ip"] == "203.0.113.7"


def test_an_over_long_reset_address_is_refused_cleanly(client, mailoutbox):
    email = "a" * 300 + "@example.test"
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 200
    assert "254 characters at most" in response.content.decode()
    assert mailoutbox == []


def test_the_reset_link_names_the_host_and_port_the_request_came_to(client, mailoutbox):
    UserFactory(email="jo@example.test")
    client.post(reverse("password_reset"), {"email": "jo@example.test"}, HTTP_HOST="localhost:8123")
    assert "http://localhost:8123/accounts/reset/" in mailoutbox[0].body
