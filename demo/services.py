"""The demo organisations, people and Annex One history (``manage.py setup_demo``).

Idempotent: running it again leaves the same data. Refused in production. Everything is made
through the apps' own services (organisations, people and memberships through
``organisations.services``, years through ``import_annex_one``, evidence through
``evidence.services``, improvement actions through ``actions.services``), so the demo follows
the same rules and leaves the same history as any other change; the demo writes no table of
another app itself.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment
from organisations import services as organisation_services
from organisations.models import Organisation, Role

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


# Evidence of the demo organisation: (title, kind, link or note text, description,
# review-by as days from today or None, elements it supports in the open year)
DEMO_EVIDENCE = [
    ("Customer profile 2018", "link", "https://intranet.demo.test/insight/customer-profile-2018",
     "Population profile of Scarborough and Ryedale by age, deprivation and health need.",
     20, ["1.1.1", "1.1.2"]),
    ("Engagement strategy 2017–2020", "link", "https://intranet.demo.test/engagement/strategy",
     "The Communications and Engagement strategy approved by the Governing Body.",
     200, ["1.2.1", "1.2.3"]),
    ("Seldom-heard groups outreach log", "note",
     "Monthly sessions with the travelling community, carers' groups and the Deaf "
     "community; actions taken are recorded in the engagement tracker.",
     "Outreach to hard to reach and disadvantaged groups.", -5, ["1.1.3"]),
    ("You said, we did — autumn 2018", "link", "https://www.demo.test/you-said-we-did",
     "Published changes made after consultation.", 90, ["1.2.2", "1.3.5"]),
    ("Patient satisfaction survey 2018", "link", "https://intranet.demo.test/surveys/2018",
     "Survey method, sample size and results by customer group.", 10, ["1.3.1", "1.3.2"]),
    ("Complaints procedure", "link", "https://www.demo.test/complaints",
     "The public complaints procedure and response times.", 45, ["4.3.2", "4.3.5"]),
    ("Integrated performance report, Q2 2018/19", "note",
     "Performance against national targets; A&E four-hour and RTT 18-week targets "
     "missed, with recovery actions agreed with providers.",
     "Quarterly report to the Governing Body.", None, ["4.1.2", "5.3.2"]),
]  # fmt: skip


# Improvement actions on the open year's Partial Compliances (the board paper: "failing to
# meet some National (NHS) targets"): (ref, description, owner's email, due as days from
# today, status, evidence titles). One is overdue and one done.
DEMO_ACTIONS = [
    ("2.1.4",
     "Complete equality impact assessments for the 2018/19 service changes and add equality "
     "questions to the patient experience survey, so that feedback shows whether every "
     "customer group is treated fairly.",
     "lead@demo.test", 75, "in_progress", ["Patient satisfaction survey 2018"]),
    ("4.1.2",
     "Publish performance against the NHS constitutional targets (A&E four hours, RTT 18 "
     "weeks, cancer 62 days) on the website each quarter, in plain English, with what the CCG "
     "is doing where a target is missed.",
     "lead@demo.test", -10, "done", ["Integrated performance report, Q2 2018/19"]),
    ("5.3.2",
     "Agree a recovery plan with the acute trust for the 18-week referral-to-treatment "
     "target and report progress to the Governing Body every month.",
     "admin@demo.test", -14, "open", []),
]  # fmt: skip


class DemoRefused(Exception):
    pass


def setup_demo(stdout=None) -> None:
    """Load the standard and create or refresh the demo organisations, people and history."""
    if settings.PRODUCTION:
        raise DemoRefused("Demo data is refused in production (DJANGO_ENV=production).")
    call_command("loaddata", "cse_standard", verbosity=0)
    with transaction.atomic():
        orgs = {spec.slug: _organisation(spec) for spec in ORGANISATIONS}
        for email, full_name, slug, role in PEOPLE:
            # A new account gets the demo password; an existing one keeps its password and
            # name; a membership whose role was changed gets the demo role back.
            organisation_services.add_member(
                orgs[slug],
                email,
                role,
                acting_user=None,
                password=DEMO_PASSWORD,
                full_name=full_name,
            )
    for spec in ORGANISATIONS:
        call_command(
            "import_annex_one", "--org", spec.slug, str(DEMO_DIR / spec.annex_one), stdout=stdout
        )
        _set_workflow(orgs[spec.slug], spec)
    _add_evidence(orgs["demo"], ORGANISATIONS[0].open_year)
    _add_files(orgs["demo"], ORGANISATIONS[0].open_year)
    _add_actions(orgs["demo"], ORGANISATIONS[0].open_year)


def _organisation(spec: DemoOrganisation) -> Organisation:
    """The demo organisation ``spec`` describes, created the first time."""
    existing = organisation_services.find_organisation(spec.slug)
    if existing is not None:
        return existing
    return organisation_services.create_organisation(spec.slug, spec.name, acting_user=None)


def _add_evidence(organisation: Organisation, year: int) -> None:
    """The demo organisation's evidence library, linked into its open year (once)."""
    from evidence import services as evidence_services
    from evidence.models import Evidence
    from standards.models import Element

    lead = organisation_services.find_user("lead@demo.test")
    assessment = Assessment.objects.get(organisation=organisation, year=year)
    today = timezone.localdate()
    for title, kind, content, description, review_in, refs in DEMO_EVIDENCE:
        if Evidence.objects.for_org(organisation).filter(title=title).exists():
            continue
        details = {
            "title": title,
            "description": description,
            "review_by": today + timedelta(days=review_in) if review_in is not None else None,
            "evidence_date": date(year, 10, 1),
        }
        add = evidence_services.add_link if kind == "link" else evidence_services.add_note
        item = add(organisation, content, acting_user=lead, **details)
        for element in Element.objects.filter(standard=assessment.standard, ref__in=refs):
            evidence_services.link(item, assessment, element, acting_user=lead)


def _add_files(organisation: Organisation, year: int) -> None:
    """The demo organisation's uploaded files (``demo.documents``), made now and uploaded by
    the quality lead through the evidence service a browser upload uses
    (``add_uploaded_files``: type from the content, hash, duplicate check, the first link),
    linked to the other elements they support, and replaced by a later version where they
    have one (``replace_file``, keeping the first as a version). An item whose title is in
    the library already is left as it is, so its file is not even made again."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from demo.documents import DEMO_FILES
    from evidence import services as evidence_services
    from evidence.models import Evidence
    from standards.models import Element

    lead = organisation_services.find_user("lead@demo.test")
    assessment = Assessment.objects.get(organisation=organisation, year=year)
    elements = {
        element.ref: element
        for element in Element.objects.filter(
            standard=assessment.standard, ref__in={ref for spec in DEMO_FILES for ref in spec.refs}
        )
    }
    present = set(
        Evidence.objects.for_org(organisation)
        .filter(title__in=[spec.title for spec in DEMO_FILES])
        .values_list("title", flat=True)
    )
    today = timezone.localdate()
    for spec in DEMO_FILES:
        if spec.title in present:
            continue
        first, *later = spec.versions
        (result,) = evidence_services.add_uploaded_files(
            organisation,
            [SimpleUploadedFile(spec.filename, first())],
            acting_user=lead,
            year=year,
            ref=spec.refs[0],
            title=spec.title,
            description=spec.description,
            evidence_date=date(year, 10, 1),
            review_by=today + timedelta(days=spec.review_in)
            if spec.review_in is not None
            else None,
        )
        if result.status != result.CREATED:
            raise RuntimeError(f"The demo file {spec.filename} was not added: {result.message}")
        item = result.item
        for ref in spec.refs[1:]:
            evidence_services.link(item, assessment, elements[ref], acting_user=lead)
        for content in later:
            checked = evidence_services.check_upload(SimpleUploadedFile(spec.filename, content()))
            evidence_services.replace_file(item, checked, acting_user=lead)


def _add_actions(organisation: Organisation, year: int) -> None:
    """The demo organisation's improvement actions on its open year's PC elements (once:
    an action whose element and description are there already is left as it is)."""
    from actions import services as action_services
    from actions.models import Action
    from evidence.models import Evidence
    from standards.models import Element

    lead = organisation_services.find_user("lead@demo.test")
    assessment = Assessment.objects.get(organisation=organisation, year=year)
    today = timezone.localdate()
    for ref, description, owner, due_in, status, titles in DEMO_ACTIONS:
        element = Element.objects.get(standard=assessment.standard, ref=ref)
        existing = Action.objects.for_org(organisation).filter(
            raised_in=assessment, element=element, description=description
        )
        if existing.exists():
            continue
        action = action_services.raise_action(
            assessment,
            element,
            acting_user=lead,
            description=description,
            due_date=today + timedelta(days=due_in),
            owner=organisation_services.find_user(owner),
        )
        for item in Evidence.objects.for_org(organisation).filter(title__in=titles):
            action_services.link_evidence(action, item, acting_user=lead)
        action_services.change_status(action, status, acting_user=lead)


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
