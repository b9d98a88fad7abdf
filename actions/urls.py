"""Included by organisations.tenant_urls under /o/<org_slug>/actions/ (names in the "org"
namespace)."""

from django.urls import path

from actions import views

urlpatterns = [
    path("", views.action_list, name="action-list"),
    path("new/<int:year>/<str:ref>/", views.action_add, name="action-add"),
    path("<int:action_pk>/", views.action_detail, name="action-detail"),
    path("<int:action_pk>/edit/", views.action_edit, name="action-edit"),
    path("<int:action_pk>/status/", views.action_status, name="action-status"),
    path("<int:action_pk>/evidence/", views.action_evidence, name="action-evidence"),
    path(
        "<int:action_pk>/evidence/<int:evidence_pk>/unlink/",
        views.action_evidence_unlink,
        name="action-evidence-unlink",
    ),
]
