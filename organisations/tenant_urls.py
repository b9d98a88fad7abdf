"""URLs under /o/<org_slug>/: the TenantMiddleware 404s anyone who is not a member."""

from django.urls import include, path

from organisations import views

app_name = "org"

urlpatterns = [
    path("", include("dashboard.urls")),
    path("members/", views.members, name="members"),
    path("members/<int:membership_pk>/role/", views.member_role, name="member-role"),
    path("members/<int:membership_pk>/remove/", views.member_remove, name="member-remove"),
    path("members/<int:membership_pk>/end/", views.member_end_date, name="member-end-date"),
    path(
        "invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("assessments/", include("assessments.urls")),
    path("assessments/", include("evidence.element_urls")),  # the element page's evidence
    path("assessments/", include("reports.pack_urls")),  # a year's evidence packs
    path("evidence/", include("evidence.urls")),
    path("actions/", include("actions.urls")),  # improvement actions
    path("progression/", include("reports.urls")),  # Annex One, its charts and exports
    path("", include("audit.urls")),  # the audit log, an element's history
    path("api/", include("api.urls")),  # read-only; resolves its own tenant (api.permissions)
]
