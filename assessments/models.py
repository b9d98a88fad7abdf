"""An organisation's assessment years and the per-element results of each."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from organisations.models import Organisation
from standards.models import Element, Standard


class Rating(models.TextChoices):
    COMPLIANCE_PLUS = "CP", "Compliance Plus"
    COMPLIANCE = "C", "Compliance"
    PARTIAL = "PC", "Partial Compliance"
    NON_COMPLIANCE = "NC", "Non-Compliance"


RATING_ORDER = ["CP", "C", "PC", "NC"]


class AssessmentQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "AssessmentQuerySet":
        return self.filter(organisation=organisation)


class ElementResultQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "ElementResultQuerySet":
        return self.filter(assessment__organisation=organisation)


class Assessment(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial assessment"
        ANNUAL_REVIEW = "annual_review", "Annual review"
        REASSESSMENT = "reassessment", "Reassessment"

    class Status(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", "Self-assessment"
        ASSESSOR_REVIEW = "assessor_review", "Assessor review"
        FINALISED = "finalised", "Finalised"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ANNUAL_REVIEW)
    visit_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SELF_ASSESSMENT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_assessment_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    @property
    def is_finalised(self) -> bool:
        return self.status == self.Status.FINALISED


class ElementResult(models.Model):
    """One element in one assessment year: the self-assessment and the assessor's mark."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    self_rating = models.CharField(max_length=2, choices=Rating.choices, blank=True)
    self_notes = models.TextField(blank=True)
    rating = models.CharField(max_length=2, choices=Rating.choices, blank=True)
    sampled = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    carried_forward = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ElementResultQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "element__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "element"], name="one_result_per_element")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.element.ref}: {self.rating or '—'}"
