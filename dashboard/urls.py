"""Included by organisations.tenant_urls at /o/<org_slug>/ (names in the "org" namespace)."""

from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
