"""An organisation's assessment years and the per-element results of each."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from organisations.models import Organisation
from organisations.tenancy import filter_to, scoped_manager
from standards.models import Criterion, Element, Standard


class Rating(models.TextChoices):
    COMPLIANCE_PLUS = "CP", "Compliance Plus"
    COMPLIANCE = "C", "Compliance"
    PARTIAL = "PC", "Partial Compliance"
    NON_COMPLIANCE = "NC", "Non-Compliance"


RATING_ORDER = ["CP", "C", "PC", "NC"]


class RecommendationChoice(models.TextChoices):
    """The recommendations an assessor may put in place of the computed one.

    The same values as ``assessments.outcome.Recommendation`` (which imports this module, so
    the choices are written here), less "pending": an override recommends or does not.
    """

    RECOMMENDED = "recommended", "Certification recommended"
    RECOMMENDED_WITH_ACTIONS = (
        "recommended_with_actions",
        "Certification recommended, with Partial Compliance to remedy",
    )
    RECOMMENDED_WITH_REMEDY_PLAN = (
        "recommended_with_remedy_plan",
        "Certification recommended, subject to a remedy plan for Non-Compliance",
    )
    NOT_RECOMMENDED = "not_recommended", "Certification not recommended"


class AssessmentQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "AssessmentQuerySet":
        return filter_to(self, "organisation", organisation)


class ElementResultQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "ElementResultQuerySet":
        return filter_to(self, "assessment__organisation", organisation)


class Assessment(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial assessment"
        ANNUAL_REVIEW = "annual_review", "Annual review"
        REASSESSMENT = "reassessment", "Reassessment"

    class Status(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", "Self-assessment"
        SUBMITTED = "submitted", "Submitted for review"
        ASSESSOR_REVIEW = "assessor_review", "Assessor review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        FINALISED = "finalised", "Finalised"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ANNUAL_REVIEW)
    document_review_date = models.DateField(null=True, blank=True)
    visit_date = models.DateField(null=True, blank=True)
    visit_end_date = models.DateField(null=True, blank=True)  # a visit may last days
    lead_assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certification_body = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SELF_ASSESSMENT)
    # The assessor's overall findings for the year (the board report quotes them).
    assessor_summary = models.TextField(blank=True)
    # The assessor's own recommendation in place of the computed one, with the reason.
    recommendation_override = models.CharField(
        max_length=40, choices=RecommendationChoice.choices, blank=True
    )
    recommendation_override_reason = models.TextField(blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("organisation", AssessmentQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="one_assessment_per_year"
            ),
            # A visit's last day is not before its first (and there is no last day without one).
            models.CheckConstraint(
                condition=models.Q(visit_end_date__isnull=True)
                | models.Q(visit_date__isnull=False, visit_end_date__gte=models.F("visit_date")),
                name="visit_ends_after_it_starts",
            ),
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
    # Incremented by every save of the assessor's fields (rating, sampled, comment): a save
    # sent from an older version is refused, so two assessors never overwrite each other.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_manager("assessment__organisation", ElementResultQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "element__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "element"], name="one_result_per_element")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.element.ref}: {self.rating or '—'}"


class AssessmentEvent(models.Model):
    """One move of a year's status: who moved it, when, from what to what, and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Assessment.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Assessment.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    objects = scoped_manager("assessment__organisation")

    class Meta:
        ordering = ["assessment", "at", "pk"]
        indexes = [models.Index(fields=["assessment", "at"], name="assessment_event_at")]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.from_status} → {self.to_status}"


class CriterionSummaryQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "CriterionSummaryQuerySet":
        return filter_to(self, "assessment__organisation", organisation)


class CriterionSummary(models.Model):
    """The assessor's findings for one criterion in one year."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="criterion_summaries"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("assessment__organisation", CriterionSummaryQuerySet)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_summary_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} criterion {self.criterion.ref}"
