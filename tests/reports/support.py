"""Helpers of the report page tests."""

from django.urls import reverse


def url(org, name: str, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])
