"""``manage.py import_annex_one --org <slug> FILE.csv``: load an Annex One chart.

All or nothing: every fault in the file is listed with its line and column, and then nothing
is written. Importing the same file again changes nothing. Whatever came from the file or the
arguments is printed through ``printable``: a terminal escape code in a cell is shown, escaped,
never replayed on the operator's terminal.
"""

from pathlib import Path
from typing import NoReturn

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.figures import year_figures
from assessments.services import StandardNotLoaded, current_standard
from cse_portal.text import printable
from organisations.models import Organisation
from organisations.services import find_organisation, find_user
from organisations.tenancy import all_tenants
from reports.annex_one import AnnexOneError, AnnexOneTable, decode_annex_one, parse_annex_one
from reports.services import ImportSummary, apply_annex_one
from standards.models import Element


class Command(BaseCommand):
    help = (
        "Import an Annex One CSV (header ref,<year>,…; cells like 'X CP', 'C', 'X' or empty) "
        "into an organisation: one assessment per year, one result per element."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument(
            "--user", help="email of the person importing, recorded in the rating history"
        )
        parser.add_argument("file", help="the CSV file (UTF-8, with or without a BOM)")

    @all_tenants("an operator's command names the organisation by slug")
    def handle(self, *args, org: str, user: str | None, file: str, **options) -> None:
        organisation = organisation_by_slug(org)
        acting_user = user_by_email(user) if user else None
        table = self.read_table(Path(file))
        try:
            summary = apply_annex_one(organisation, table, acting_user=acting_user)
        except AnnexOneError as exc:
            self.fail(file, exc)
        self.report(organisation, file, summary)

    def read_table(self, path: Path) -> AnnexOneTable:
        try:
            standard = current_standard()
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(printable(f"Cannot read {path}: {exc.strerror}.")) from None
        known_refs = set(Element.objects.filter(standard=standard).values_list("ref", flat=True))
        try:
            return parse_annex_one(decode_annex_one(data), known_refs)
        except AnnexOneError as exc:
            self.fail(str(path), exc)

    def fail(self, file: str, exc: AnnexOneError) -> NoReturn:
        for error in exc.errors:
            self.stderr.write(printable(f"{file}: {error}"))
        count = len(exc.errors)
        problems = "1 problem" if count == 1 else f"{count} problems"
        raise CommandError(printable(f"{problems} in {file}: nothing was imported."))

    def report(self, organisation: Organisation, file: str, summary: ImportSummary) -> None:
        file = printable(file)
        name = printable(organisation.name)
        if summary.changed_anything:
            self.stdout.write(
                f"Imported {file} into {name}: "
                f"{_plural(summary.assessments_created, 'assessment')} created, "
                f"{_plural(summary.results_created, 'result')} created, "
                f"{_plural(summary.results_changed, 'result')} changed."
            )
        else:
            self.stdout.write(f"Nothing changed: {name} already matches {file}.")
        figures = year_figures(summary.assessments)
        for assessment in summary.assessments:
            self.stdout.write(figures[assessment.pk].summary())


def _plural(count: int, noun: str) -> str:
    """``1 result``, ``72 results``, ``0 assessments``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def organisation_by_slug(slug: str) -> Organisation:
    organisation = find_organisation(slug)
    if organisation is None:
        raise CommandError(printable(f'There is no organisation with the slug "{slug}".'))
    return organisation


def user_by_email(email: str) -> AbstractBaseUser:
    user = find_user(email)
    if user is None:
        raise CommandError(printable(f'There is no user with the email address "{email}".'))
    return user
