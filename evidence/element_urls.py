"""Evidence on an element's page, under /o/<org_slug>/assessments/ beside assessments.urls
(included by organisations.tenant_urls; names in the "org" namespace)."""

from django.urls import path

from evidence import element_views as views

urlpatterns = [
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
