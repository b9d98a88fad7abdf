"""The one way a view finds a year and an element's result of the request's organisation:
through the organisation (another tenant's year or ref is a 404), with the objects it already
holds attached, so that templates reading ``result.assessment.organisation`` make no query."""

from django.http import Http404, HttpRequest

from assessments.models import Assessment, ElementResult
from cse_portal.web import get_for_org
from organisations.prepared import prepared

# The year of a page's address (organisations.prepared: compiled once per process).
_YEAR = prepared(
    lambda organisation_id, year: Assessment.objects.filter(
        organisation_id=organisation_id, year=year
    ).order_by()
)


def year_of(request: HttpRequest, year: int) -> Assessment:
    found = _YEAR(request.organisation.pk, year)
    if not found:
        raise Http404("No such year")
    [assessment] = found  # one year of a number an organisation
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
