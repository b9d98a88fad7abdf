"""The API's OpenAPI 3 description, at /api/schema/ (YAML; ``?format=json`` for JSON), for
anyone signed in by a session or a token. Only the schema is served: drf-spectacular's
Swagger UI and Redoc pages load their scripts from a CDN, which the portal never does."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
