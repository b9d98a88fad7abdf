"""Helpers of the report page tests."""

from django.urls import reverse


def url(org, name: str, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])


def assert_private_attachment(response, body: bytes, content_type: str, filename: str) -> None:
    """``response`` sends ``body`` as a private download named ``filename``
    (cse_portal.web.file_download)."""
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert filename in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Should a browser render it after all, nothing in it may load or run.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
