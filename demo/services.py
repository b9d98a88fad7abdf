"""The demo organisations, people and Annex One history (``manage.py setup_demo``).

Idempotent: running it again leaves the same data. Refused in production.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from assessments.models import Assessment
from organisations.models import Membership, Organisation, Role

DEMO_PASSWORD = "demo-password"
DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    annex_one: str
    finalised_years: tuple[int, ...]
    open_year: int
    visit_dates: dict[int, date]


ORGANISATIONS = [
    DemoOrganisation(
        slug="demo",
        name="Scarborough and Ryedale CCG (demo)",
        annex_one="annex_one_2014_2018.csv",
        finalised_years=(2014, 2015, 2016, 2017),
        open_year=2018,
        # The board paper gives the date of the 2018 visit only.
        visit_dates={2018: date(2018, 11, 21)},
    ),
    DemoOrganisation(
        slug="riverside",
        name="Riverside Housing Association",
        annex_one="annex_one_riverside.csv",
        finalised_years=(2024,),
        open_year=2025,
        visit_dates={2024: date(2024, 10, 8), 2025: date(2025, 10, 14)},
    ),
]

# (email, full name, organisation slug, role)
PEOPLE = [
    ("admin@demo.test", "Alex Admin", "demo", Role.ADMIN),
    ("lead@demo.test", "Lee Lead", "demo", Role.QUALITY_LEAD),
    ("assessor@demo.test", "Ash Assessor", "demo", Role.ASSESSOR),
    ("board@demo.test", "Bea Board", "demo", Role.GOVERNING_BODY),
    ("lead@riverside.test", "Rowan Lead", "riverside", Role.QUALITY_LEAD),
    ("assessor@demo.test", "Ash Assessor", "riverside", Role.ASSESSOR),
]


class DemoRefused(Exception):
    pass


def setup_demo(stdout=None) -> None:
    """Load the standard and create or refresh the demo organisations, people and history."""
    if settings.PRODUCTION:
        raise DemoRefused("Demo data is refused in production (DJANGO_ENV=production).")
    call_command("loaddata", "cse_standard", verbosity=0)
    with transaction.atomic():
        orgs = {
            spec.slug: Organisation.objects.update_or_create(
                slug=spec.slug, defaults={"name": spec.name}
            )[0]
            for spec in ORGANISATIONS
        }
        for email, full_name, slug, role in PEOPLE:
            user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save()
            Membership.objects.update_or_create(
                user=user, organisation=orgs[slug], defaults={"role": role}
            )
    for spec in ORGANISATIONS:
        call_command(
            "import_annex_one", "--org", spec.slug, str(DEMO_DIR / spec.annex_one), stdout=stdout
        )
        _set_workflow(orgs[spec.slug], spec)


def _set_workflow(organisation: Organisation, spec: DemoOrganisation) -> None:
    """Past years are finalised; the latest is with the assessor."""
    for assessment in Assessment.objects.for_org(organisation):
        status = (
            Assessment.Status.FINALISED
            if assessment.year in spec.finalised_years
            else Assessment.Status.ASSESSOR_REVIEW
        )
        visit_date = spec.visit_dates.get(assessment.year, assessment.visit_date)
        if (assessment.status, assessment.visit_date) != (status, visit_date):
            assessment.status = status
            assessment.visit_date = visit_date
            assessment.save()
