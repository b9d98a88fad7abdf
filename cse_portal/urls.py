from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import EmailAuthenticationForm
from cse_portal import views

# An unexpected error: 500, or 503 while the database cannot be reached (cse_portal.views).
handler500 = "cse_portal.views.server_error_page"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("accounts.urls")),  # the rate-limited password reset
    path("accounts/", include("django.contrib.auth.urls")),
    path("invitations/", include("organisations.invitation_urls")),
    path("standard/", include("standards.urls")),
    path("assessor/", include("dashboard.assessor_urls")),  # every organisation one assesses
    path("o/<slug:org_slug>/", include("organisations.tenant_urls")),
    path("api/", include("api.schema_urls")),  # the OpenAPI schema; the API is under /o/…/api/
    path("admin/", admin.site.urls),
]
