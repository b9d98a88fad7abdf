from django.urls import path

from standards import views

app_name = "standard"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:ref>/", views.element_detail, name="element"),
]
