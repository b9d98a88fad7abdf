"""Included by organisations.tenant_urls under /o/<org_slug>/assessments/ ("org" namespace):
a year's evidence packs (reports.pack_views), beside the year's own pages."""

from django.urls import path

from reports import pack_views

urlpatterns = [
    path("<int:year>/evidence-pack/", pack_views.evidence_packs, name="year-evidence-packs"),
    path(
        "<int:year>/evidence-pack/status/",
        pack_views.evidence_packs_status,
        name="year-evidence-pack-status",
    ),
    path(
        "<int:year>/evidence-pack/new/", pack_views.evidence_pack_new, name="year-evidence-pack-new"
    ),
    path(
        "<int:year>/evidence-pack/<int:pack_pk>/download/",
        pack_views.evidence_pack_download,
        name="year-evidence-pack-download",
    ),
    path(
        "<int:year>/evidence-pack/<int:pack_pk>/retry/",
        pack_views.evidence_pack_retry,
        name="year-evidence-pack-retry",
    ),
]
