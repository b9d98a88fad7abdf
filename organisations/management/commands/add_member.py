"""manage.py add_member <slug> <email> <role>: a member (and their account, if new)."""

import getpass
import sys

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cse_portal.text import printable
from organisations.models import Role, role_phrase
from organisations.services import (
    OrganisationError,
    add_member,
    check_email,
    check_text,
    find_organisation,
    parse_role,
)
from organisations.tenancy import all_tenants

ROLE_HELP = ", ".join(role.value for role in Role)


class Command(BaseCommand):
    help = (
        "Add someone to an organisation with a role, creating their account if it is new; "
        "if they are already a member, change their role."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's slug")
        parser.add_argument("email", help="the person's email address (they sign in with it)")
        parser.add_argument(
            "role", help=f"one of {ROLE_HELP} (human spellings like 'quality lead' work too)"
        )
        parser.add_argument(
            "--password",
            help="password of a new account; prompted for when omitted on a terminal",
        )
        parser.add_argument("--name", default="", help="full name of a new account")

    @all_tenants("an operator's command names the organisation by slug")
    def handle(self, *args, slug: str, email: str, role: str, **options):
        try:
            self.add(slug, email, role, options)
        except (OrganisationError, CommandError) as error:
            # Whatever was typed is shown escaped: no terminal escape code is replayed.
            raise CommandError(printable(str(error))) from None

    def add(self, slug: str, email: str, role: str, options: dict) -> None:
        organisation = find_organisation(slug)
        if organisation is None:
            raise CommandError(
                f"No organisation with the slug {slug!r}. Create it with create_organisation."
            )
        role = parse_role(role)
        # Checked before a password is asked for: the same rules as the services apply.
        User = get_user_model()
        email = check_email(email, User)
        full_name = check_text(options["name"].strip(), User, "full_name", "The name (--name)")

        password = options["password"]
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if password is None:
                password = self._prompt_password(options.get("stdin") or sys.stdin)
            self._validate_password(password, email, full_name)
        elif password is not None:
            self.stdout.write(
                self.style.WARNING(f"{email} already has an account: its password is unchanged.")
            )
            password = None

        result = add_member(
            organisation, email, role, acting_user=None, password=password, full_name=full_name
        )

        label = Role(role).label.lower()
        phrase = role_phrase(role)
        if result.user_created:
            self.stdout.write(f"Created the account {email}.")
        if result.lapsed_on is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{email}'s membership of {printable(organisation.name)} had lapsed "
                    f"(last day {result.lapsed_on:%-d %B %Y}): restored, with no end date."
                )
            )
        if result.membership_created:
            self.stdout.write(
                self.style.SUCCESS(f"Added {email} to {printable(organisation.name)} as {phrase}.")
            )
        elif result.previous_role != role:
            before = Role(result.previous_role).label.lower()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{email} was already a member of {printable(organisation.name)}: "
                    f"role changed from {before} to {label}."
                )
            )
        elif result.lapsed_on is None:
            self.stdout.write(
                f"{email} is already {phrase} in {printable(organisation.name)}: nothing to change."
            )

    def _prompt_password(self, stdin) -> str:
        if not (hasattr(stdin, "isatty") and stdin.isatty()):
            raise CommandError(
                "A new account needs a password: pass --password (no terminal to prompt on)."
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password may not be empty.")
        return password

    def _validate_password(self, password: str, email: str, full_name: str) -> None:
        user = get_user_model()(email=email, full_name=full_name)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from error
