"""Included by organisations.tenant_urls under /o/<org_slug>/ (names in the "org" namespace)."""

from django.urls import path

from evidence import views

urlpatterns = [
    path("", views.evidence_list, name="evidence-list"),
    path("new/", views.evidence_add, name="evidence-add"),
    path("upload/", views.evidence_upload, name="evidence-upload"),
    path("reconfirm/<int:year>/", views.evidence_reconfirm, name="evidence-reconfirm"),
    path("<int:evidence_pk>/", views.evidence_detail, name="evidence-detail"),
    path("<int:evidence_pk>/edit/", views.evidence_edit, name="evidence-edit"),
    path("<int:evidence_pk>/replace/", views.evidence_replace, name="evidence-replace"),
    path("<int:evidence_pk>/delete/", views.evidence_delete, name="evidence-delete"),
    path("<int:evidence_pk>/withdraw/", views.evidence_withdraw, name="evidence-withdraw"),
    path("<int:evidence_pk>/download/", views.evidence_download, name="evidence-download"),
    path(
        "<int:evidence_pk>/versions/<int:version_pk>/download/",
        views.evidence_version_download,
        name="evidence-version-download",
    ),
]
