"""Included by organisations.tenant_urls under /o/<org_slug>/ (names in the "org" namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
