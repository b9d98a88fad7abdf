"""manage.py export_organisation <slug> FILE.zip: everything the organisation owns, in the
archive format of docs/archive.md."""

from django.core.management.base import BaseCommand, CommandError

from archive.errors import ArchiveError
from archive.writer import export_organisation
from cse_portal.text import printable
from organisations.models import Organisation
from organisations.tenancy import all_tenants


class Command(BaseCommand):
    help = (
        "Write an organisation's archive: its years, results, evidence and files (every "
        "version), links, actions, history, reports and members (email and role), with a "
        "manifest of SHA-256 hashes. import_organisation restores it."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's slug")
        parser.add_argument("file", help="the zip file to write (replaced if it exists)")

    @all_tenants("an operator's command: the archive reads one organisation it names by slug")
    def handle(self, *args, slug: str, file: str, **options):
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(printable(f"No organisation with the slug {slug!r}."))
        try:
            summary = export_organisation(organisation, file)
        except ArchiveError as error:
            raise CommandError(printable(str(error))) from None
        except OSError as error:
            raise CommandError(
                printable(f"Could not write {file}: {error.strerror or error}.")
            ) from None
        self.stdout.write(
            printable(
                f"Wrote {summary.path}: {organisation.name} ({organisation.slug}), "
                f"{summary.rows} rows in {summary.tables} tables, {summary.files} files, "
                f"{summary.people} people, {summary.bytes} bytes."
            )
        )
