"""Account pages that differ from django.contrib.auth.urls (included just before them), and
the profile page with the personal API tokens."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token-create"),
    path("profile/tokens/<int:token_pk>/revoke/", views.token_revoke, name="token-revoke"),
]
