"""Tenants (organisations), who belongs to them (memberships) and invitations to join."""

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cse_portal.text import single_line
from organisations.tenancy import scoped_manager


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    QUALITY_LEAD = "quality_lead", "Quality lead"
    ASSESSOR = "assessor", "Assessor"
    GOVERNING_BODY = "governing_body", "Governing body"


# A role as it reads inside a sentence: "You are a quality lead here", "join as an assessor".
ROLE_PHRASES = {
    Role.ADMIN: "an admin",
    Role.QUALITY_LEAD: "a quality lead",
    Role.ASSESSOR: "an assessor",
    Role.GOVERNING_BODY: "a member of the governing body",
}


def role_phrase(role: str) -> str:
    """``role`` (a value such as "quality_lead") with its article, to put in a sentence:
    "a quality lead", "an admin", "a member of the governing body". The one place a role is
    worded in running text (templates use the ``role_phrase`` filter of organisation_tags)."""
    try:
        return ROLE_PHRASES[Role(role)]
    except ValueError:
        return str(role)


class Organisation(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200, validators=[single_line])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("pk")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def current_q(today: date | None = None, prefix: str = "") -> models.Q:
    """The condition of a current membership (``prefix`` "memberships__" and the like to
    filter through a relation): no end date, or an end date today or later. The one
    definition of "current" that every lookup of who belongs applies."""
    today = today or timezone.localdate()
    return models.Q(**{f"{prefix}ends_on__isnull": True}) | models.Q(
        **{f"{prefix}ends_on__gte": today}
    )


class MembershipQuerySet(models.QuerySet):
    def current(self, today: date | None = None) -> "MembershipQuerySet":
        """Memberships that have not lapsed: a lapsed one gives no access and is no longer
        listed as an organisation of the user (it stays on the members page)."""
        return self.filter(current_q(today))

    def with_organisation_count(self) -> "MembershipQuerySet":
        """Annotate ``organisation_count``: how many organisations the member belongs to, in
        the same query (the navigation offers "Switch organisation" only when it is 2+);
        lapsed memberships are not counted."""
        others = (
            Membership.objects.current()
            .filter(user=models.OuterRef("user"))
            .values("user")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(organisation_count=models.Subquery(others))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last day of access; the membership lapses the day after (no access, 404). Empty:
    # open-ended. An admin sets or clears it on the members page (services.set_end_date).
    ends_on = models.DateField("last day", null=True, blank=True)

    objects = scoped_manager("organisation", MembershipQuerySet)
    # Who joined, changed role or left, and who did it (the services set ``_history_user``).
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]
        ordering = ["organisation__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.organisation}"

    def is_current(self, today: date | None = None) -> bool:
        """False once the end date has passed: the membership has lapsed."""
        return self.ends_on is None or self.ends_on >= (today or timezone.localdate())

    @property
    def has_lapsed(self) -> bool:
        return not self.is_current()


INVITATION_LIFETIME = timedelta(days=14)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True).filter(
            expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A one-time link: only the sha256 of the token is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(validators=[single_line])
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager("organisation", InvitationQuerySet)
    # Sent, replaced, revoked, accepted, and by whom; the token's hash has no place there.
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class Generation(models.Model):
    """The current data generation of an organisation (``scope`` its id) or of everything
    (``scope`` "all"): a random token that changes after every committed write
    (organisations.generations). Kept in the database beside the data it describes, so a
    restored backup or a restarted cache can never pair old pages with new data."""

    scope = models.CharField(max_length=20, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.scope}: {self.token}"
