"""Evidence items (a file, a web link or a written note) and their links to elements.

An item belongs to one organisation and may support many elements in many years: each
(assessment, element) pair is an EvidenceLink with its own note. Files are stored through
Django's storage API under a name derived from a random id, never the uploaded name, and are
only served by a permission-checked view.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assessments.models import Assessment
from cse_portal.text import multi_line, single_line
from organisations.models import Organisation
from organisations.tenancy import filter_to, scoped_manager
from standards.models import Element


def evidence_upload_to(instance: "Evidence | EvidenceVersion", filename: str) -> str:
    """``evidence/<organisation id>/<random>``: no part of the uploaded name reaches the disk."""
    organisation_id = (
        instance.organisation_id
        if isinstance(instance, Evidence)
        else instance.evidence.organisation_id
    )
    return f"evidence/{organisation_id}/{uuid.uuid4().hex}"


class EvidenceQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "EvidenceQuerySet":
        return filter_to(self, "organisation", organisation)

    def overdue(self) -> "EvidenceQuerySet":
        return self.filter(review_by__lt=timezone.localdate())


class Evidence(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Web link"
        NOTE = "note", "Written note"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200, validators=[single_line])
    description = models.TextField(blank=True, validators=[multi_line])
    url = models.URLField("web address", max_length=2000, blank=True, validators=[single_line])
    body = models.TextField("note", blank=True, validators=[multi_line])
    file = models.FileField(upload_to=evidence_upload_to, max_length=300, blank=True)
    original_filename = models.CharField(max_length=255, blank=True, validators=[single_line])
    content_type = models.CharField(max_length=120, blank=True, validators=[single_line])
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    file_uploaded_at = models.DateTimeField(null=True, blank=True)
    file_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_evidence",
        help_text="Who keeps this item up to date.",
    )
    evidence_date = models.DateField(
        null=True, blank=True, help_text="The date the document speaks for."
    )
    review_by = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("organisation", EvidenceQuerySet)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha256"],
                condition=~models.Q(sha256=""),
                name="one_copy_of_a_file_per_org",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "review_by"]),
            models.Index(fields=["organisation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.review_by is not None and self.review_by < timezone.localdate()


class EvidenceVersion(models.Model):
    """An earlier file of an item, kept when the file was replaced."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="versions")
    file = models.FileField(upload_to=evidence_upload_to, max_length=300)
    original_filename = models.CharField(max_length=255, validators=[single_line])
    content_type = models.CharField(max_length=120, validators=[single_line])
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    objects = scoped_manager("evidence__organisation")

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_filename} (replaced {self.replaced_at:%d %b %Y})"


class EvidenceLinkQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "EvidenceLinkQuerySet":
        return filter_to(self, "evidence__organisation", organisation)


class EvidenceLink(models.Model):
    """An evidence item supports an element in one assessment year."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence_links"
    )
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(
        blank=True, validators=[multi_line], help_text="How this item supports the element."
    )
    carried_forward = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = scoped_manager("evidence__organisation", EvidenceLinkQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment__year", "element__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "assessment", "element"], name="one_link_per_element_year"
            )
        ]
        indexes = [
            models.Index(fields=["assessment", "element"]),
            # A year's links by their state (carried forward, re-confirmed), holding what the
            # library's count of links to re-confirm and the dashboard's readiness read of
            # each, so neither reads the link rows themselves.
            models.Index(
                fields=["assessment", "carried_forward", "confirmed_at", "evidence", "element"],
                name="evidence_link_year_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.element.ref} ({self.assessment.year})"

    @property
    def needs_confirmation(self) -> bool:
        """Carried forward from an earlier year and not yet re-confirmed for this one."""
        return self.carried_forward and self.confirmed_at is None
