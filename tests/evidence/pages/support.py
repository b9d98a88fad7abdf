"""Helpers of the evidence page tests."""

from django.urls import reverse

JSON = {"HTTP_ACCEPT": "application/json"}


def url(name, org, *args):
    return reverse(f"org:{name}", args=[org.slug, *args])


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def listed(client, org, **params) -> list[str]:
    response = client.get(url("evidence-list", org), params)
    assert response.status_code == 200
    return [item.title for item in response.context["items"]]
