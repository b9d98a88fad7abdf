"""The board report pages: ask for a year's report with its cover sheet, follow the jobs (the
list polls its status partial while a job is queued or rendering), download a finished report,
run a failed one again. Every member may (Action.REPORTS); the rules are in reports.jobs."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Assessment
from cse_portal.web import file_download, get_for_org, parse_int, partial, redirect_to
from organisations.decorators import require
from organisations.page_cache import cached_page, not_kept
from organisations.permissions import Action
from reports import jobs
from reports.models import BoardReport
from reports.templatetags.board_report_tags import ReportRow


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class BoardReportForm(forms.ModelForm):
    """The year and the cover sheet. Lengths and character rules come from the model's
    columns, so nothing the form accepts is too long for them."""

    year = forms.TypedChoiceField(
        label="Year", coerce=int, error_messages={"invalid_choice": "Choose one of the years."}
    )

    class Meta:
        model = BoardReport
        fields = ["year", *jobs.COVER_FIELDS]
        labels = {
            "meeting": "Meeting",
            "meeting_date": "Meeting date",
            "author": "Author",
            "sponsor": "Sponsoring member",
            "purpose": "Purpose",
            "assurance": "Assurance level",
            "recommendation": "Recommendation",
            "risks": "Risks",
            "equality_impact": "Equality impact",
            "previously_considered_by": "Previously considered by",
        }
        help_texts = {
            "meeting": "For example: Board of Directors, public meeting.",
            "author": "Name and job title.",
            "recommendation": "What the board is asked to do, e.g. “The Board is asked to note…”.",
            "previously_considered_by": "A committee or meeting, with its date.",
        }
        widgets = {
            "meeting_date": DateInput(),
            "purpose": forms.RadioSelect,
            "assurance": forms.RadioSelect,
            "recommendation": forms.Textarea(attrs={"rows": 3}),
            "risks": forms.Textarea(attrs={"rows": 3}),
            "equality_impact": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "meeting_date": {"invalid": "Give the meeting date as a date, such as 2019-05-03."},
        }

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in reversed(years)]
        for name in ("purpose", "assurance"):
            self.fields[name].choices = [
                c for c in self.fields[name].choices if c[0] != ""
            ]  # a radio group needs no "---------"


def _years(organisation) -> list[int]:
    return list(
        Assessment.objects.filter(organisation=organisation)
        .order_by("year")
        .values_list("year", flat=True)
    )


# What reports.jobs' rules read of a job, in the model's order of its fields (from_db's).
_RULE_FIELDS = tuple(
    f.attname
    for f in BoardReport._meta.concrete_fields
    if f.attname in {"status", "sent_at", "started_at"}
)


def report_rows(organisation) -> list[ReportRow]:
    """The organisation's board reports, latest first, as the list shows them: read as plain
    values with their year and requester (one query), not as instances."""
    rows = []
    for (
        pk,
        year,
        meeting,
        meeting_date,
        requester_id,
        full_name,
        email,
        requested_at,
        status,
        sent_at,
        started_at,
        pages,
        error,
    ) in (
        BoardReport.objects.filter(organisation=organisation)
        .order_by("-requested_at", "-id")
        .values_list(
            "pk",
            "assessment__year",
            "meeting",
            "meeting_date",
            "requested_by_id",
            "requested_by__full_name",
            "requested_by__email",
            "requested_at",
            "status",
            "sent_at",
            "started_at",
            "pages",
            "error",
        )
    ):
        # The rules of reports.jobs, on the fields they read (the others left deferred).
        read = {"status": status, "sent_at": sent_at, "started_at": started_at}
        job = BoardReport.from_db(None, _RULE_FIELDS, [read[name] for name in _RULE_FIELDS])
        rows.append(
            ReportRow(
                pk=pk,
                year=year,
                meeting=meeting,
                meeting_date=meeting_date,
                requester=None if requester_id is None else (full_name or email),
                requested_at=requested_at,
                status=status,
                unsent=job.unsent,
                can_retry=jobs.can_retry(job),
                pages=pages,
                error=error,
            )
        )
    return rows


def _list_context(request: HttpRequest) -> dict:
    reports = report_rows(request.organisation)
    return {"reports": reports, "polling": any(r.in_progress for r in reports)}


@require(Action.REPORTS)
@cached_page
@require_safe
def board_reports(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    response = render(request, "reports/board_reports.html", context)
    return not_kept(response) if context["polling"] else response


@require(Action.REPORTS)
@require_safe
def board_reports_status(request: HttpRequest) -> HttpResponse:
    """The list's state, polled every 2 s while a job is queued or rendering."""
    return partial(request, "reports/_report_status.html", _list_context(request))


@require(Action.REPORTS)
def board_report_new(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    years = _years(org)
    if request.method == "POST":
        form = BoardReportForm(request.POST, years=years)
        if form.is_valid():
            assessment = get_for_org(Assessment, org, year=form.cleaned_data["year"])
            report = jobs.request_board_report(
                assessment, form.cleaned_data, acting_user=request.user
            )
            if report.sent_at:
                messages.success(
                    request,
                    f"The {assessment.year} board report is being made: this page shows when "
                    "it is ready to download.",
                )
            else:
                messages.warning(
                    request, f"The {assessment.year} board report is queued, but {jobs.UNREACHABLE}"
                )
            return redirect_to(reverse("org:board-reports", args=[org.slug]), f"report-{report.pk}")
    else:
        wanted = parse_int(request.GET.get("year"), 1900, 9999)
        initial = jobs.previous_cover(org)
        initial["year"] = wanted if wanted in years else (years[-1] if years else None)
        form = BoardReportForm(initial=initial, years=years)
    return render(
        request,
        "reports/board_reports_new.html",
        {"form": form, "years": years},
        status=400 if form.is_bound else 200,
    )


@require(Action.REPORTS)
@require_POST
def board_report_retry(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = get_for_org(
        BoardReport.objects.select_related("assessment"), request.organisation, pk=report_pk
    )
    if jobs.retry(report, acting_user=request.user):
        if report.sent_at:
            messages.success(
                request, f"The {report.assessment.year} board report is being made again."
            )
        else:
            messages.warning(
                request,
                f"The {report.assessment.year} board report is still queued: {jobs.UNREACHABLE}",
            )
    elif report.status == BoardReport.Status.DONE:
        messages.info(request, "This report has been made meanwhile: download it below.")
    else:
        messages.info(request, "This report is already being made again.")
    return redirect_to(
        reverse("org:board-reports", args=[request.organisation.slug]), f"report-{report.pk}"
    )


@require(Action.REPORTS)
@require_safe
def board_report_download(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = get_for_org(
        BoardReport.objects.select_related("assessment"),
        request.organisation,
        pk=report_pk,
        status=BoardReport.Status.DONE,
    )
    return file_download(
        report.file,
        filename=f"board-report-{request.organisation.slug}-{report.assessment.year}-{report.pk}.pdf",
        content_type="application/pdf",
        missing="The report's file is missing from storage: make it again.",
    )
