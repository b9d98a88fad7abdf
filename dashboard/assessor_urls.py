"""Included by cse_portal.urls at /assessor/: the assessor's home, outside any organisation."""

from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.assessor_home, name="assessor-home"),
]
