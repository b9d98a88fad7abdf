"""Board report jobs: a member asks for a year's board report with its cover sheet; a Celery
task renders the PDF (reports.tasks, reports.jobs) and the row records how it went.

The file is stored through Django's storage API under a name derived from the row's id
(``reports/<organisation id>/board-report-<id>.pdf``) and served only by the
permission-checked download view, as an attachment.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models import Assessment
from cse_portal.text import multi_line, single_line
from organisations.models import Organisation

# Column lengths, shared with the form (reports.report_views): a column is never shorter than
# what its form accepts.
SHORT_TEXT = 200
LONG_TEXT = 4000


class BoardReport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Purpose(models.TextChoices):
        DECISION = "decision", "Decision"
        DISCUSSION = "discussion", "Discussion"
        INFORMATION = "information", "Information"

    class Assurance(models.TextChoices):
        SUBSTANTIAL = "substantial", "Substantial"
        REASONABLE = "reasonable", "Reasonable"
        LIMITED = "limited", "Limited"
        NONE = "none", "None"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="board_reports"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="board_reports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    # The cover sheet of the board paper.
    meeting = models.CharField(max_length=SHORT_TEXT, validators=[single_line])
    meeting_date = models.DateField()
    author = models.CharField(max_length=SHORT_TEXT, validators=[single_line])
    sponsor = models.CharField("sponsoring member", max_length=SHORT_TEXT, validators=[single_line])
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    assurance = models.CharField("assurance level", max_length=20, choices=Assurance.choices)
    recommendation = models.TextField(max_length=LONG_TEXT, validators=[multi_line])
    risks = models.TextField(max_length=LONG_TEXT, blank=True, validators=[multi_line])
    equality_impact = models.TextField(max_length=LONG_TEXT, blank=True, validators=[multi_line])
    previously_considered_by = models.CharField(
        max_length=SHORT_TEXT, blank=True, validators=[single_line]
    )

    # The job.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(max_length=300, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-requested_at"])]

    def __str__(self) -> str:
        return f"Board report {self.pk} ({self.get_status_display()})"

    @property
    def storage_name(self) -> str:
        """Where the PDF is stored: derived from the ids, nothing typed reaches the name."""
        return f"reports/{self.organisation_id}/board-report-{self.pk}.pdf"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)

    @property
    def seconds(self) -> float | None:
        """How long the last rendering took."""
        if self.started_at and self.finished_at and self.status == self.Status.DONE:
            return (self.finished_at - self.started_at).total_seconds()
        return None
