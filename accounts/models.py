"""People: a user signs in with an email address; what they may do lives in Membership."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone

from cse_portal.text import single_line


def normalise_email(email: str) -> str:
    """An address as accounts store and compare it: spaces around dropped, lower-case (so
    "Lee@Example.org " and "lee@example.org" are one account). The one spelling of this rule:
    sign-in, the lockout counter, invitations and the password reset limit all use it."""
    return email.strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        # Sign-in is case-insensitive on the address.
        return self.get(email__iexact=username)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True, validators=[single_line])
    full_name = models.CharField(max_length=150, blank=True, validators=[single_line])

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)


class PasswordResetRequest(models.Model):
    """One asked-for password reset, kept for the rate limit (accounts.services).

    In the database so that every web process shares the count. The address is kept only as
    a keyed hash: the table does not list who asked. Rows older than the window are pruned.
    """

    address_hash = models.CharField(max_length=64, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    allowed = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Password reset request at {self.created_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> "ApiTokenQuerySet":
        """Tokens that still sign requests in: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal API token (accounts.tokens): named by its owner, shown once, then known
    here only by the sha256 of its secret and a short visible prefix that identifies it in
    lists. It expires, and may be revoked; the row is kept as the record of both."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, validators=[single_line])
    prefix = models.CharField(max_length=16)  # "cse_Ab3dE7fG": the secret's first characters
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the whole secret, hex
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired
