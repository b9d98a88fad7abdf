"""The profile page (/accounts/profile/): a signed-in person makes, names and revokes their
personal API tokens; a new token's secret is shown once, in an answer that is not cached, and
never again; another person's token is not found."""

import pytest

from accounts import tokens
from accounts.models import ApiToken
from tests.api.conftest import expire

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
CREATE = "/accounts/profile/tokens/"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for response in [client.get(PROFILE), client.post(CREATE, {"name": "x", "lifetime": "90"})]:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.exists()


def test_the_page_offers_the_lifetimes_with_the_default_chosen(client, lead):
    client.force_login(lead)
    page = client.get(PROFILE).content.decode()
    assert "Personal API tokens" in page and "You have no tokens." in page
    assert '<option value="90" selected>90 days</option>' in page
    assert '<option value="365">365 days</option>' in page


def test_a_new_token_is_shown_once(client, lead):
    client.force_login(lead)
    response = client.post(CREATE, {"name": "Board dashboard", "lifetime": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=lead)
    page = response.content.decode()
    secret = page.split('id="new-token-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert tokens.hash_secret(secret) == token.digest
    assert "shown only this once" in page
    assert token.name == "Board dashboard"
    assert (token.expires_at - token.created_at).days == 30
    # Never again: not on the next visit, and the token works for the API.
    again = client.get(PROFILE).content.decode()
    assert secret not in again and token.prefix in again and "Board dashboard" in again
    client.logout()
    api = client.get("/o/acme/api/years/", headers={"Authorization": f"Token {secret}"})
    assert api.status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "lifetime": "90"}, "Give the token a name"),
        ({"name": "x" * 101, "lifetime": "90"}, "Keep the name to 100 characters"),
        ({"name": "Bidi \u202eevil", "lifetime": "90"}, "control"),
        ({"name": "Script", "lifetime": "91"}, "Choose one of the lifetimes listed"),
        ({"name": "Script", "lifetime": "\u0669\u0660"}, "Choose one of the lifetimes listed"),
        ({"name": "Script"}, "This field is required"),
    ],
)
def test_a_token_that_cannot_be_made_says_why_and_keeps_the_name(client, lead, data, message):
    client.force_login(lead)
    response = client.post(CREATE, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The token was not made" in page and message in page
    if data["name"] and len(data["name"]) <= 100:
        assert f'value="{data["name"]}"' in page  # what was typed is kept
    assert not ApiToken.objects.exists()


def test_the_limit_of_tokens_is_said_on_the_form(client, lead):
    client.force_login(lead)
    for i in range(tokens.MAX_USABLE_TOKENS):
        tokens.create_token(lead, name=f"t{i}", lifetime_days=7, acting_user=lead)
    response = client.post(CREATE, {"name": "One more", "lifetime": "7"})
    assert response.status_code == 400
    assert "revoke one you no longer need" in response.content.decode()
    assert 'value="One more"' in response.content.decode()


def test_revoking_a_token(client, lead, token_for):
    client.force_login(lead)
    secret = token_for(lead, name="Old script")
    token = ApiToken.objects.get()
    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert response.redirect_chain == [("/accounts/profile/#tokens", 302)]
    page = response.content.decode()
    assert "The token “Old script” is revoked: it no longer works." in page
    assert "Revoked" in page
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    api = client.get("/o/acme/api/years/", headers={"Authorization": f"Token {secret}"})
    assert api.status_code == 401
    # Again: nothing more happens.
    client.force_login(lead)
    again = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "was already revoked" in again.content.decode()


def test_the_list_says_which_tokens_are_in_use_expired_or_revoked(client, lead, token_for):
    client.force_login(lead)
    token_for(lead, name="Live")
    expire(token_for(lead, name="Stale"))
    tokens.revoke_token(
        ApiToken.objects.get(digest=tokens.hash_secret(token_for(lead, name="Gone"))),
        acting_user=lead,
    )
    page = client.get(PROFILE).content.decode()
    assert "Your tokens (3)" in page
    assert page.count(">Revoke<") == 1  # only the token in use offers it
    for badge in ["In use", "Expired", "Revoked"]:
        assert badge in page


def test_another_persons_token_is_not_found(client, lead, board, token_for):
    token_for(board)
    token = ApiToken.objects.get()
    client.force_login(lead)
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "tokens (0)" in client.get(PROFILE).content.decode()


def test_the_navigation_links_the_profile(client, lead):
    client.force_login(lead)
    assert 'href="/accounts/profile/"' in client.get("/o/acme/").content.decode()
