"""Included by organisations.tenant_urls under /o/<org_slug>/ (names in the "org" namespace)."""

from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.assessment_list, name="assessment-list"),
    path("new/", views.assessment_open, name="assessment-open"),
    path("<int:year>/", views.year_grid, name="year"),
    path("<int:year>/details/", views.year_details, name="year-details"),
    path("<int:year>/delete/", views.year_delete, name="year-delete"),
    path("<int:year>/elements/<str:ref>/", views.element_detail, name="element"),
    path("<int:year>/elements/<str:ref>/self/", views.self_assessment, name="self-assessment"),
    path(
        "<int:year>/elements/<str:ref>/evidence/search/",
        views.element_evidence_search,
        name="element-evidence-search",
    ),
    path("<int:year>/elements/<str:ref>/evidence/link/", views.element_link, name="element-link"),
    path("<int:year>/links/<int:link_pk>/note/", views.link_note, name="link-note"),
    path("<int:year>/links/<int:link_pk>/confirm/", views.link_confirm, name="link-confirm"),
    path("<int:year>/links/<int:link_pk>/unlink/", views.link_unlink, name="link-unlink"),
]
