"""An Annex One import that changes an assessor's mark counts as a change of that mark: it
moves the result's version on, so an assessor's save from a page drawn before the import is
refused as stale instead of silently replacing what the import wrote."""

import pytest

from assessments.marking import StaleMark, set_assessor_mark
from assessments.models import Assessment, ElementResult
from reports.annex_one import parse_annex_one
from reports.services import apply_annex_one

pytestmark = pytest.mark.django_db


def test_an_import_moves_the_version_of_what_it_changes(y2018, assessor):
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.2")
    untouched = ElementResult.objects.get(assessment=y2018, element__ref="1.1.3")
    drawn_at = result.version
    table = parse_annex_one("ref,2018\n1.1.2,X PC\n", {"1.1.2"})
    apply_annex_one(y2018.organisation, table, acting_user=None)
    result.refresh_from_db()
    assert result.version == drawn_at + 1
    assert ElementResult.objects.get(pk=untouched.pk).version == untouched.version

    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.ASSESSOR_REVIEW)
    stale = ElementResult.objects.select_related("assessment", "element").get(pk=result.pk)
    with pytest.raises(StaleMark):
        set_assessor_mark(
            stale, acting_user=assessor, expected_version=drawn_at, rating="C", comment=""
        )
