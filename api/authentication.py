"""Personal API tokens sign API requests in: ``Authorization: Token <secret>`` (or
``Bearer <secret>``). The token is checked by accounts.tokens.authenticate; an unknown,
expired or revoked token is refused with 401 and a message saying which."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts import tokens
from accounts.models import ApiToken, User

KEYWORDS = (b"token", b"bearer")


class TokenAuthentication(BaseAuthentication):
    """A request without a Token or Bearer header is left to the next authentication (the
    session); one with such a header is signed in by its token or refused."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None
        if len(words) != 2:
            raise AuthenticationFailed(
                "Send one token after the word Token: 'Authorization: Token cse_…'."
            )
        try:
            secret = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("This is not a CSE Portal API token.") from None
        try:
            token = tokens.authenticate(secret)
        except tokens.TokenRefused as refused:
            raise AuthenticationFailed(str(refused)) from None
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"
