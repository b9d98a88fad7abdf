"""setup_demo: the README's people, organisations and history; safe to run again."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from assessments.models import Assessment, ElementResult
from evidence.models import Evidence, EvidenceLink
from organisations.models import Membership

pytestmark = pytest.mark.django_db

README_PEOPLE = {
    ("admin@demo.test", "demo", "admin"),
    ("lead@demo.test", "demo", "quality_lead"),
    ("assessor@demo.test", "demo", "assessor"),
    ("board@demo.test", "demo", "governing_body"),
    ("lead@riverside.test", "riverside", "quality_lead"),
    ("assessor@demo.test", "riverside", "assessor"),
}


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (User, Membership, Assessment, ElementResult, Evidence, EvidenceLink)
    ) + tuple(
        model.history.count() for model in (Assessment, ElementResult, Evidence, EvidenceLink)
    )


def test_setup_demo_creates_what_the_readme_promises_and_is_idempotent():
    call_command("setup_demo", stdout=io.StringIO())
    people = set(Membership.objects.values_list("user__email", "organisation__slug", "role"))
    assert people == README_PEOPLE
    for user in User.objects.all():
        assert user.check_password("demo-password")
    years = dict(Assessment.objects.filter(organisation__slug="demo").values_list("year", "status"))
    assert years == {
        2014: "finalised", 2015: "finalised", 2016: "finalised", 2017: "finalised",
        2018: "assessor_review",
    }  # fmt: skip
    assert Assessment.objects.filter(organisation__slug="riverside").count() == 2
    assert ElementResult.objects.filter(assessment__organisation__slug="demo").count() == 5 * 72
    assert Evidence.objects.filter(organisation__slug="demo").exists()
    assert not Evidence.objects.filter(organisation__slug="riverside").exists()

    before = counts()
    call_command("setup_demo", stdout=io.StringIO())
    assert counts() == before
