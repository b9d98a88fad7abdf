"""How the OpenAPI schema describes the token sign-in (drf-spectacular reads this extension
once api.apps imports it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token from your profile page: 'Token <token>' "
            "(or 'Bearer <token>').",
        }
