"""factory-boy factories for every model."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, ElementResult
from organisations.models import Invitation, Membership, Organisation, Role, hash_token
from standards.models import Criterion, Element, Standard, SubCriterion

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.QUALITY_LEAD


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation
        exclude = ("token",)

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.QUALITY_LEAD
    token = factory.Sequence(lambda n: f"token-{n}")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ("slug", "version")

    slug = "test-standard"
    version = factory.Sequence(lambda n: f"t{n}")
    name = "Test standard"


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    standard = factory.SubFactory(StandardFactory)
    # Refs kept short (the column is 12 characters): the sequences run on through a whole
    # test session, and "191.191.191.1" no longer fits (PostgreSQL refuses it; SQLite does
    # not check). Each factory-made criterion has a standard of its own, so wrapping at 99
    # repeats no ref within one.
    ref = factory.Sequence(lambda n: str(n % 99 + 1))
    title = factory.Sequence(lambda n: f"Criterion {n + 1}")
    position = factory.Sequence(lambda n: n + 1)


class SubCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubCriterion

    criterion = factory.SubFactory(CriterionFactory)
    standard = factory.SelfAttribute("criterion.standard")
    ref = factory.LazyAttributeSequence(lambda o, n: f"{o.criterion.ref}.{n % 99 + 1}")
    title = factory.Sequence(lambda n: f"Sub-criterion {n}")
    position = factory.Sequence(lambda n: n + 1)


class ElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Element

    sub_criterion = factory.SubFactory(SubCriterionFactory)
    standard = factory.SelfAttribute("sub_criterion.standard")
    ref = factory.LazyAttributeSequence(lambda o, n: f"{o.sub_criterion.ref}.{n % 99 + 1}")
    text = factory.Faker("sentence")
    guidance = factory.LazyFunction(lambda: ["An example of evidence."])
    position = factory.Sequence(lambda n: n + 1)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    organisation = factory.SubFactory(OrganisationFactory)
    standard = factory.SubFactory(StandardFactory)
    year = factory.Sequence(lambda n: 2000 + n)
    kind = Assessment.Kind.ANNUAL_REVIEW


class ElementResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElementResult

    assessment = factory.SubFactory(AssessmentFactory)
    element = factory.SubFactory(ElementFactory)


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A web-link item by default; use ``kind=Evidence.Kind.FILE`` with ``file=`` for files."""

    class Meta:
        model = "evidence.Evidence"

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "link"
    title = factory.Sequence(lambda n: f"Evidence item {n}")
    description = factory.Faker("sentence")
    url = factory.Sequence(lambda n: f"https://intranet.example.test/docs/{n}")
    created_by = factory.SubFactory(UserFactory)
    owner = factory.SelfAttribute("created_by")


class EvidenceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evidence.EvidenceVersion"

    evidence = factory.SubFactory(EvidenceFactory, kind="file")
    file = factory.django.FileField(filename="old.pdf", data=b"%PDF-1.4 old version")
    original_filename = "old.pdf"
    content_type = "application/pdf"
    size = 20
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    uploaded_at = factory.LazyFunction(timezone.now)


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evidence.EvidenceLink"

    evidence = factory.SubFactory(EvidenceFactory)
    assessment = factory.SubFactory(
        AssessmentFactory, organisation=factory.SelfAttribute("..evidence.organisation")
    )
    element = factory.SubFactory(ElementFactory)
    note = "Supports this element."


class FileEvidenceFactory(EvidenceFactory):
    """A file item with a small stored PDF (set MEDIA_ROOT to a temporary folder)."""

    kind = "file"
    url = ""
    file = factory.django.FileField(
        filename="stored", data=factory.Sequence(lambda n: f"%PDF-1.4 item {n}".encode())
    )
    original_filename = factory.Sequence(lambda n: f"document-{n}.pdf")
    content_type = "application/pdf"
    size = 16
    sha256 = factory.Sequence(lambda n: f"{n + 1:064x}")
    file_uploaded_at = factory.LazyFunction(timezone.now)
    file_uploaded_by = factory.SelfAttribute("created_by")


class ActionFactory(factory.django.DjangoModelFactory):
    """An improvement action on an element of a year (give ``raised_in`` and ``element``)."""

    class Meta:
        model = "actions.Action"

    raised_in = factory.SubFactory(AssessmentFactory)
    organisation = factory.SelfAttribute("raised_in.organisation")
    element = factory.SubFactory(ElementFactory)
    description = factory.Sequence(lambda n: f"Improvement {n}: review the complaints process.")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))


class BoardReportFactory(factory.django.DjangoModelFactory):
    """A board report job of a year (give ``assessment``); ``done=True`` stores a small PDF
    under its id's name (set MEDIA_ROOT to a temporary folder)."""

    class Meta:
        model = "reports.BoardReport"
        skip_postgeneration_save = True

    class Params:
        done = factory.Trait(status="done", pages=9)

    assessment = factory.SubFactory(AssessmentFactory)
    organisation = factory.SelfAttribute("assessment.organisation")
    meeting = "Board of Directors"
    meeting_date = factory.LazyFunction(timezone.localdate)
    author = "Jo Bloggs, Quality Lead"
    sponsor = "Chief Executive"
    purpose = "information"
    assurance = "reasonable"
    recommendation = "The Board is asked to note the outcome."

    @factory.post_generation
    def stored(report, create, extracted, **kwargs):
        if create and report.status == "done" and not report.file:
            from django.core.files.base import ContentFile

            report.file.save(report.storage_name, ContentFile(b"%PDF-1.7 board report"))


class EvidencePackFactory(factory.django.DjangoModelFactory):
    """An evidence pack job of a year (give ``assessment``); ``done=True`` stores a small ZIP
    under its id's name (set MEDIA_ROOT to a temporary folder)."""

    class Meta:
        model = "reports.EvidencePack"
        skip_postgeneration_save = True

    class Params:
        done = factory.Trait(status="done", file_count=0, missing_count=0)

    assessment = factory.SubFactory(AssessmentFactory)
    organisation = factory.SelfAttribute("assessment.organisation")
    sent_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def stored(pack, create, extracted, **kwargs):
        if create and pack.status == "done" and not pack.file:
            import io
            import zipfile

            from django.core.files.base import ContentFile

            data = io.BytesIO()
            with zipfile.ZipFile(data, "w") as archive:
                archive.writestr("index.html", "<!DOCTYPE html><title>Evidence pack</title>")
            pack.file.save(pack.storage_name, ContentFile(data.getvalue()))
            pack.size = pack.file.size
            pack.save(update_fields=["size"])
