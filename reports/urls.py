"""Included by organisations.tenant_urls under /o/<org_slug>/progression/ ("org" namespace)."""

from django.urls import path

from reports import export_views, views

urlpatterns = [
    path("", views.progression_page, name="progression"),
    # Spreadsheets: the chart as CSV and XLSX.
    path("export.csv", export_views.export_csv, name="progression-export-csv"),
    path("export.xlsx", export_views.export_xlsx, name="progression-export-xlsx"),
]
