"""The one way a view finds a year and an element's result of the request's organisation:
through the organisation (another tenant's year or ref is a 404), with the objects it already
holds attached, so that templates reading ``result.assessment.organisation`` make no query."""

from django.http import HttpRequest

from assessments.models import Assessment, ElementResult
from cse_portal.web import get_for_org


def year_of(request: HttpRequest, year: int) -> Assessment:
    assessment = get_for_org(Assessment, request.organisation, year=year)
    assessment.organisation = request.organisation  # the same row: no second query
    return assessment


def result_of(request: HttpRequest, assessment: Assessment, ref: str) -> ElementResult:
    result = get_for_org(
        ElementResult.objects.select_related("element"),
        request.organisation,
        assessment=assessment,
        element__ref=ref,
    )
    result.assessment = assessment
    return result
