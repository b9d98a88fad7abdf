"""The progression page's downloads: Annex One as CSV (the ``import_annex_one`` layout) and
as an XLSX workbook. Every member may download them (the governing body reads the chart)."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from cse_portal.web import private_download
from organisations.decorators import require
from organisations.permissions import Action
from reports.spreadsheets import (
    CSV_TYPE,
    XLSX_TYPE,
    annex_one_csv,
    annex_one_xlsx,
    export_filename,
)


def attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """A download: saved, not shown; never kept by a shared cache or the browser's."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_download(response)


@require(Action.VIEW)
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    filename = export_filename(organisation, "csv", timezone.localdate())
    return attachment(annex_one_csv(organisation), CSV_TYPE, filename)


@require(Action.VIEW)
@require_safe
def export_xlsx(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    filename = export_filename(organisation, "xlsx", timezone.localdate())
    return attachment(annex_one_xlsx(organisation), XLSX_TYPE, filename)
