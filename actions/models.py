"""Improvement actions: what an organisation will do about an element rated Partial
Compliance or Non-Compliance, raised in one element-year and worked on until the assessor
verifies it at a later visit.

An action outlives the year it was raised in (raised in 2018, done in 2019): its status,
owner, due date and evidence may change at any time; the element-year it was raised in
never changes.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assessments.models import Assessment
from cse_portal.text import multi_line
from evidence.models import Evidence
from organisations.models import Organisation
from organisations.tenancy import filter_to, scoped_manager
from standards.models import Element


class ActionQuerySet(models.QuerySet):
    def for_org(self, organisation: Organisation) -> "ActionQuerySet":
        return filter_to(self, "organisation", organisation)

    def unfinished(self) -> "ActionQuerySet":
        """Still to be done: open or in progress."""
        return self.filter(status__in=Action.UNFINISHED)

    def overdue(self, today) -> "ActionQuerySet":
        """Unfinished and past their due date."""
        return self.unfinished().filter(due_date__lt=today)


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        VERIFIED = "verified", "Verified by the assessor"

    UNFINISHED = (Status.OPEN, Status.IN_PROGRESS)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="improvement_actions"
    )
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    raised_in = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="improvement_actions",
        help_text="The assessment year whose rating of the element the action answers.",
    )
    description = models.TextField(validators=[multi_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_actions",
        help_text="Who sees that it gets done; they are reminded as it falls due.",
    )
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="improvement_actions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager("organisation", ActionQuerySet)
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[evidence])

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"]),
            models.Index(fields=["raised_in", "element"]),
            models.Index(fields=["owner", "status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.element.ref} ({self.raised_in.year}): {self.description[:60]}"

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED

    def is_overdue_on(self, today) -> bool:
        return self.is_unfinished and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())
