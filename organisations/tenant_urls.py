"""URLs under /o/<org_slug>/: the TenantMiddleware 404s anyone who is not a member."""

from django.urls import path

from organisations import views

app_name = "org"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
