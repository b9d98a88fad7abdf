"""The one-time invitation links emailed to invitees: /invitations/<token>/."""

from django.urls import path

from organisations import views

app_name = "invitations"

urlpatterns = [
    path("<str:token>/", views.accept_invitation, name="accept"),
]
