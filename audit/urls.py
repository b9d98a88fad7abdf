"""Included by organisations.tenant_urls under /o/<org_slug>/ (names in the "org" namespace)."""

from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path(
        "assessments/<int:year>/elements/<str:ref>/history/",
        views.element_history,
        name="element-history",
    ),
]
