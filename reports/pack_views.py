"""The evidence pack pages of a year: ask for the pack, follow the jobs (the list polls its
status partial while one is queued or being made, as the board reports list does), download a
finished pack, run a failed one again. For admins, quality leads and assessors
(Action.EVIDENCE_PACK); the rules are in reports.jobs, the ZIP in reports.evidence_pack."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments.lookups import year_of
from assessments.models import Assessment
from cse_portal.web import file_download, get_for_org, partial, redirect_to
from organisations.decorators import require
from organisations.permissions import Action
from reports import jobs
from reports.models import EvidencePack


def _list_url(request: HttpRequest, assessment: Assessment) -> str:
    return reverse("org:year-evidence-packs", args=[request.organisation.slug, assessment.year])


def _context(request: HttpRequest, assessment: Assessment) -> dict:
    packs = list(
        EvidencePack.objects.filter(organisation=request.organisation, assessment=assessment)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")
    )
    for pack in packs:
        pack.assessment = assessment
        pack.can_retry = jobs.can_retry(pack)
    return {
        "assessment": assessment,
        "packs": packs,
        "polling": any(p.in_progress for p in packs),
    }


@require(Action.EVIDENCE_PACK)
@require_safe
def evidence_packs(request: HttpRequest, year: int) -> HttpResponse:
    assessment = year_of(request, year)
    return render(request, "reports/evidence_packs.html", _context(request, assessment))


@require(Action.EVIDENCE_PACK)
@require_safe
def evidence_packs_status(request: HttpRequest, year: int) -> HttpResponse:
    """The list's state, polled every 2 s while a pack is queued or being made."""
    assessment = year_of(request, year)
    return partial(request, "reports/_pack_status.html", _context(request, assessment))


@require(Action.EVIDENCE_PACK)
@require_POST
def evidence_pack_new(request: HttpRequest, year: int) -> HttpResponse:
    assessment = year_of(request, year)
    pack = jobs.request_evidence_pack(assessment, acting_user=request.user)
    if pack.sent_at:
        messages.success(
            request,
            f"The {assessment.year} evidence pack is being made: this page shows when it is "
            "ready to download.",
        )
    else:
        messages.warning(
            request, f"The {assessment.year} evidence pack is queued, but {jobs.UNREACHABLE}"
        )
    return redirect_to(_list_url(request, assessment), f"pack-{pack.pk}")


@require(Action.EVIDENCE_PACK)
@require_POST
def evidence_pack_retry(request: HttpRequest, year: int, pack_pk: int) -> HttpResponse:
    assessment = year_of(request, year)
    pack = get_for_org(EvidencePack, request.organisation, assessment=assessment, pk=pack_pk)
    if jobs.retry(pack, acting_user=request.user):
        if pack.sent_at:
            messages.success(request, f"The {assessment.year} evidence pack is being made again.")
        else:
            messages.warning(
                request, f"The {assessment.year} evidence pack is still queued: {jobs.UNREACHABLE}"
            )
    elif pack.status == EvidencePack.Status.DONE:
        messages.info(request, "This evidence pack has been made meanwhile: download it below.")
    else:
        messages.info(request, "This evidence pack is already being made again.")
    return redirect_to(_list_url(request, assessment), f"pack-{pack.pk}")


@require(Action.EVIDENCE_PACK)
@require_safe
def evidence_pack_download(request: HttpRequest, year: int, pack_pk: int) -> HttpResponse:
    assessment = year_of(request, year)
    pack = get_for_org(
        EvidencePack,
        request.organisation,
        assessment=assessment,
        pk=pack_pk,
        status=EvidencePack.Status.DONE,
    )
    return file_download(
        pack.file,
        filename=f"evidence-pack-{request.organisation.slug}-{assessment.year}-{pack.pk}.zip",
        content_type="application/zip",
        missing="The pack's file is missing from storage: make it again.",
    )
