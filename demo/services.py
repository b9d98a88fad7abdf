"""The demo organisations, people and Annex One history (``manage.py setup_demo``).

Idempotent: running it again leaves the same data. Refused in production. Everything is made
through the apps' own services (organisations, people and memberships through
``organisations.services``, years through the ``import_annex_one`` command's import, each
year's workflow through ``assessments.workflow`` and the assessor's marks through
``assessments.marking``, evidence (links, notes and the uploaded files of ``demo.documents``)
through ``evidence.services``, improvement actions through ``actions.services``), so the demo
follows the same rules and leaves the same history as any other change; the demo writes no
table of another app itself. The past workflow moves are made with Django's clock set to
their day in the demo's story (``_clock``), so the status panel and the audit trail show
2014 to 2018 as they happened; everything else is dated when the demo is set up.
"""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from unittest import mock

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
        _import_annex_one(orgs[spec.slug], spec, stdout)
        _record_workflow(orgs[spec.slug], spec)
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
    for day, (title, kind, content, description, review_in, refs) in enumerate(
        DEMO_EVIDENCE, start=1
    ):
        if Evidence.objects.for_org(organisation).filter(title=title).exists():
            continue
        details = {
            "title": title,
            "description": description,
            "review_by": today + timedelta(days=review_in) if review_in is not None else None,
            "evidence_date": date(year, 10, 1),
        }
        add = evidence_services.add_link if kind == "link" else evidence_services.add_note
        with _clock(_at(date(year, 10, day), 14)):  # gathered before the submission
            item = add(organisation, content, acting_user=lead, **details)
            for element in Element.objects.filter(standard=assessment.standard, ref__in=refs):
                evidence_services.link(item, assessment, element, acting_user=lead)


def _add_files(organisation: Organisation, year: int) -> None:
    """The demo organisation's uploaded files (``demo.documents``), made now and uploaded by
    the quality lead in October of the open year (before submitting it), through the
    evidence service a browser upload uses
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
    for day, spec in enumerate(DEMO_FILES, start=8):
        if spec.title in present:
            continue
        first, *later = spec.versions
        with _clock(_at(date(year, 10, day), 15)):  # uploaded before the submission
            _upload(assessment, spec, first(), lead, today, elements)
        for content in later:  # a later return, replacing the file in the library
            with _clock(_at(date(year, 10, 26), 12)):
                checked = evidence_services.check_upload(
                    SimpleUploadedFile(spec.filename, content())
                )
                item = Evidence.objects.for_org(organisation).get(title=spec.title)
                evidence_services.replace_file(item, checked, acting_user=lead)


def _upload(
    assessment: Assessment,
    spec,
    data: bytes,
    lead,
    today: date,
    elements: dict,
) -> None:
    """One demo file uploaded as the browser's uploader does (into the year and the first
    element it supports), then linked to the others."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence import services as evidence_services

    review_by = today + timedelta(days=spec.review_in) if spec.review_in is not None else None
    (result,) = evidence_services.add_uploaded_files(
        assessment.organisation,
        [SimpleUploadedFile(spec.filename, data)],
        acting_user=lead,
        year=assessment.year,
        ref=spec.refs[0],
        title=spec.title,
        description=spec.description,
        evidence_date=date(assessment.year, 10, 1),
        review_by=review_by,
    )
    if result.status != result.CREATED:
        raise RuntimeError(f"The demo file {spec.filename} was not added: {result.message}")
    for ref in spec.refs[1:]:
        evidence_services.link(result.item, assessment, elements[ref], acting_user=lead)


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


def _import_annex_one(organisation: Organisation, spec: DemoOrganisation, stdout) -> None:
    """The organisation's Annex One chart, imported as ``import_annex_one`` does (its reading,
    its import and its summary), except that a year already finalised is given as stored: an
    import may not change a finalised year, and the demo's assessor rated the sampled cells
    the chart leaves without a letter before finalising (``_rate_unrated``)."""
    from reports.annex_one import AnnexOneError
    from reports.management.commands.import_annex_one import Command as ImportAnnexOne
    from reports.services import apply_annex_one

    path = DEMO_DIR / spec.annex_one
    command = ImportAnnexOne(stdout=stdout)
    table = _as_stored_when_finalised(organisation, command.read_table(path))
    try:
        summary = apply_annex_one(organisation, table, acting_user=None)
    except AnnexOneError as exc:
        command.fail(str(path), exc)
    command.report(organisation, str(path), summary)


def _as_stored_when_finalised(organisation: Organisation, table):
    """``table`` with the cells of the organisation's finalised years as they are stored."""
    from assessments.models import ElementResult
    from reports.annex_one import Cell

    finalised = set(
        Assessment.objects.for_org(organisation)
        .filter(year__in=table.years, status=Assessment.Status.FINALISED)
        .values_list("year", flat=True)
    )
    if not finalised:
        return table
    stored = {
        (year, ref): Cell(sampled=sampled, rating=rating)
        for year, ref, sampled, rating in ElementResult.objects.for_org(organisation)
        .filter(assessment__year__in=finalised)
        .values_list("assessment__year", "element__ref", "sampled", "rating")
    }
    rows = {
        ref: tuple(
            stored.get((year, ref), cell) if year in finalised else cell
            for year, cell in zip(table.years, cells, strict=True)
        )
        for ref, cells in table.rows.items()
    }
    return dataclasses.replace(table, rows=rows)


@contextmanager
def _clock(moment: datetime) -> Iterator[None]:
    """Django's clock stopped at ``moment`` while the demo records a past event, so the
    workflow's event, the history rows and every timestamp the services write carry the day
    it happened in the demo's story (the services are called as they are).

    ``django.utils.timezone.now`` reads ``datetime.now`` of its module, which is swapped for
    the stopped one: that reaches ``auto_now`` fields, ``default=timezone.now`` fields (which
    hold the function itself) and the history rows alike. The command runs alone, so no
    other thread reads the clock meanwhile."""

    class Stopped(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz is not None else timezone.make_naive(moment)

    with mock.patch("django.utils.timezone.datetime", Stopped):
        yield


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# What the demo's assessor writes where a rating needs a comment (finalise.NEEDS_COMMENT).
MARK_COMMENTS = {
    "CP": "Compliance Plus: the evidence seen at the {year} visit shows practice that goes "
    "beyond the element, an example to other organisations.",
    "PC": "Partial Compliance: the evidence seen at the {year} visit meets part of the "
    "element; the improvement plan says how the rest will be met.",
    "NC": "Non-Compliance: the evidence seen at the {year} visit does not show that the "
    "element is met.",
}


def _record_workflow(organisation: Organisation, spec: DemoOrganisation) -> None:
    """Each year's workflow as it happened, through ``assessments.workflow``: the quality
    lead submits three weeks before the visit, the assessor starts the review a week later,
    writes the comments and ratings finalising needs on the visit day and finalises a week
    after it (the past years); the open year stays in assessor review. Each move is made at
    its day in the story (``_clock``). A year already where it should be is left alone, so
    running the demo again records nothing; the open year finalised by hand is reopened."""
    from assessments import workflow
    from assessments.services import update_year_details

    Status = Assessment.Status
    lead = organisation_services.find_user(
        next(
            email
            for email, _n, slug, role in PEOPLE
            if slug == spec.slug and role == Role.QUALITY_LEAD
        )
    )
    assessor = organisation_services.find_user("assessor@demo.test")
    for assessment in Assessment.objects.for_org(organisation).order_by("year"):
        year = assessment.year
        target = Status.FINALISED if year in spec.finalised_years else Status.ASSESSOR_REVIEW
        visit = spec.visit_dates.get(year)
        day = visit or date(year, 11, 20)  # the board paper dates only the 2018 visit
        if assessment.status == target:
            continue
        if assessment.status == Status.FINALISED:  # the open year, finalised by hand
            workflow.reopen(
                assessment, acting_user=None, reason="The demo's open year is back in review."
            )
            continue
        if assessment.status in (Status.SELF_ASSESSMENT, Status.CHANGES_REQUESTED):
            with _clock(_at(day - timedelta(days=28), 11)):
                update_year_details(
                    assessment,
                    assessment.kind,
                    visit or assessment.visit_date,
                    acting_user=lead,
                    lead_assessor=assessor,
                )
            with _clock(_at(day - timedelta(days=24), 16)):
                _self_assess(assessment, lead)
            with _clock(_at(day - timedelta(days=21), 10)):
                workflow.submit(
                    assessment,
                    acting_user=lead,
                    note=f"Self-assessment and evidence for the {year} visit.",
                )
        if assessment.status == Status.SUBMITTED:
            with _clock(_at(day - timedelta(days=14), 9, 30)):
                workflow.start_review(assessment, acting_user=assessor)
        if target == Status.FINALISED and assessment.status == Status.ASSESSOR_REVIEW:
            with _clock(_at(day, 16)):
                _mark_for_finalising(assessment, assessor)
            with _clock(_at(day + timedelta(days=7), 15)):
                workflow.finalise(
                    assessment,
                    acting_user=assessor,
                    note=f"Customer Service Excellence confirmed for {year}.",
                )


def _self_assess(assessment: Assessment, lead) -> None:
    """The quality lead's self-assessment before submitting: each element the chart rates is
    self-rated as the assessor rated it the year before (the lead's own view of where the
    organisation stands; the first year, as rated that year), through the same service as the
    grid, so the progress, the readiness figure and the history are real. Sub-elements, which
    the chart does not rate, are left alone."""
    from assessments.models import ElementResult
    from assessments.services import set_self_assessment

    before = dict(
        ElementResult.objects.filter(
            assessment__organisation=assessment.organisation, assessment__year=assessment.year - 1
        )
        .exclude(rating="")
        .values_list("element_id", "rating")
    )
    results = ElementResult.objects.filter(assessment=assessment, self_rating="").exclude(rating="")
    for result in results.select_related("assessment", "element"):
        set_self_assessment(
            result, acting_user=lead, self_rating=before.get(result.element_id, result.rating)
        )


def _mark_for_finalising(assessment: Assessment, assessor) -> None:
    """The assessor's marks the pre-finalise check asks for: a comment on each CP, PC and
    NC given at this visit, and a rating for each sampled element the chart leaves without
    a letter (the year before's, which the board paper's chart shows by its colour)."""
    from assessments.finalise import Kind, pre_finalise_check
    from assessments.marking import set_assessor_mark
    from assessments.models import ElementResult

    blocking = {
        item.ref: item.kind
        for item in pre_finalise_check(assessment, action_refs=())
        if item.blocking
    }
    if not blocking:
        return
    before = dict(
        ElementResult.objects.for_org(assessment.organisation)
        .filter(assessment__year=assessment.year - 1, element__ref__in=blocking)
        .values_list("element__ref", "rating")
    )
    results = ElementResult.objects.filter(assessment=assessment, element__ref__in=blocking)
    for result in results.select_related("element").order_by("element__position"):
        rating = result.rating
        if blocking[result.element.ref] == Kind.NOT_RATED:
            rating = before.get(result.element.ref) or "C"
        comment = MARK_COMMENTS.get(rating, "").format(year=assessment.year)
        result.assessment = assessment
        set_assessor_mark(
            result,
            acting_user=assessor,
            expected_version=result.version,
            rating=rating,
            comment=comment or None,
        )
