"""Report jobs (ReportJob): the board report and the evidence pack.

Board report jobs: a member asks for a year's board report with its cover sheet; a Celery
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
from organisations.tenancy import scoped_manager

# Column lengths, shared with the form (reports.report_views): a column is never shorter than
# what its form accepts.
SHORT_TEXT = 200
LONG_TEXT = 4000


class ReportJob(models.Model):
    """A job made in the background for one year of one organisation: who asked and when, its
    state, its attempts, its file and what went wrong. BoardReport and EvidencePack are kinds
    of it; reports.jobs claims, releases, fails, finishes and re-runs either alike.

    ``sent_at`` is when the task's message was last handed to the broker: a queued job
    without it was asked for while the broker could not be reached, and is sent again by
    the sweep (reports.tasks.send_unsent_jobs) or by "Try again"."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # What the requester reads in messages and errors: "The report could not be made."
    noun = "job"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="%(class)ss")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("organisation")

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-id"]

    @property
    def storage_name(self) -> str:
        raise NotImplementedError

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)

    @property
    def unsent(self) -> bool:
        """Queued, and its message never reached the broker (it could not be reached)."""
        return self.status == self.Status.QUEUED and self.sent_at is None

    @property
    def seconds(self) -> float | None:
        """How long the last run took."""
        if self.started_at and self.finished_at and self.status == self.Status.DONE:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class BoardReport(ReportJob):
    class Purpose(models.TextChoices):
        DECISION = "decision", "Decision"
        DISCUSSION = "discussion", "Discussion"
        INFORMATION = "information", "Information"

    class Assurance(models.TextChoices):
        SUBSTANTIAL = "substantial", "Substantial"
        REASONABLE = "reasonable", "Reasonable"
        LIMITED = "limited", "Limited"
        NONE = "none", "None"

    noun = "report"

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

    pages = models.PositiveIntegerField(null=True, blank=True)

    class Meta(ReportJob.Meta):
        indexes = [models.Index(fields=["organisation", "-requested_at"])]

    def __str__(self) -> str:
        return f"Board report {self.pk} ({self.get_status_display()})"

    @property
    def storage_name(self) -> str:
        """Where the PDF is stored: derived from the ids, nothing typed reaches the name."""
        return f"reports/{self.organisation_id}/board-report-{self.pk}.pdf"


class EvidencePack(ReportJob):
    """A year's evidence as one ZIP for the assessor's desktop review and the organisation's
    record of what it showed: ``index.html``, every linked file once under ``files/``, and
    ``SHA256SUMS`` (reports.evidence_pack builds it)."""

    noun = "evidence pack"

    size = models.PositiveBigIntegerField(null=True, blank=True)  # of the ZIP, in bytes
    file_count = models.PositiveIntegerField(null=True, blank=True)  # files in the ZIP
    missing_count = models.PositiveIntegerField(null=True, blank=True)  # not found in storage

    class Meta(ReportJob.Meta):
        indexes = [models.Index(fields=["assessment", "-requested_at"])]

    def __str__(self) -> str:
        return f"Evidence pack {self.pk} ({self.get_status_display()})"

    @property
    def storage_name(self) -> str:
        """Where the ZIP is stored: derived from the ids, nothing typed reaches the name."""
        return f"reports/{self.organisation_id}/evidence-pack-{self.pk}.zip"
