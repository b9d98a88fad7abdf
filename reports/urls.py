"""Included by organisations.tenant_urls under /o/<org_slug>/progression/ ("org" namespace)."""

from django.urls import path

from reports import export_views, import_views, report_views, views

urlpatterns = [
    path("", views.progression_page, name="progression"),
    # Spreadsheets: the chart as CSV and XLSX; an Annex One imported after a preview.
    path("export.csv", export_views.export_csv, name="progression-export-csv"),
    path("export.xlsx", export_views.export_xlsx, name="progression-export-xlsx"),
    path("import/", import_views.import_upload, name="progression-import"),
    path("import/confirm/", import_views.import_confirm, name="progression-import-confirm"),
    # Board reports: asked for here, rendered by a Celery worker (reports.tasks).
    path("board-reports/", report_views.board_reports, name="board-reports"),
    path("board-reports/status/", report_views.board_reports_status, name="board-reports-status"),
    path("board-reports/new/", report_views.board_report_new, name="board-report-new"),
    path(
        "board-reports/<int:report_pk>/download/",
        report_views.board_report_download,
        name="board-report-download",
    ),
    path(
        "board-reports/<int:report_pk>/retry/",
        report_views.board_report_retry,
        name="board-report-retry",
    ),
]
