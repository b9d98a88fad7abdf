"""manage.py import_organisation FILE.zip: restore an organisation from its archive into a
database that lacks it (docs/archive.md)."""

from django.core.management.base import BaseCommand, CommandError

from archive.errors import ArchiveError
from archive.reader import read_archive
from archive.restore import check_importable, import_archive
from cse_portal.text import printable
from organisations.tenancy import all_tenants


class Command(BaseCommand):
    help = (
        "Restore an organisation from an archive written by export_organisation. The whole "
        "archive is checked first (hashes, format version, limits); a damaged or changed "
        "archive, or one whose organisation already exists here, is refused and nothing is "
        "written. People are matched by email; those missing are created inactive."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive (.zip) to import")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive (and that it could be imported here); write nothing",
        )

    @all_tenants("an operator's command: the import creates the organisation it restores")
    def handle(self, *args, file: str, check: bool = False, **options):
        try:
            with read_archive(file) as archive:
                if check:
                    check_importable(archive)
                    self.stdout.write(printable(_checked(archive)))
                    return
                summary = import_archive(archive)
        except ArchiveError as error:
            raise CommandError(printable(str(error))) from None
        except OSError as error:
            raise CommandError(
                printable(f"Could not read {file}: {error.strerror or error}.")
            ) from None
        organisation = summary.organisation
        self.stdout.write(
            printable(
                f"Imported {organisation.name} ({organisation.slug}): {summary.rows} rows, "
                f"{summary.files} files; {summary.people_matched} people matched by email."
            )
        )
        if summary.people_created:
            self.stdout.write(
                printable(
                    f"{len(summary.people_created)} people had no account here and were created "
                    "inactive, without a password (activate them in the admin, then they set "
                    "one with 'Forgotten your password?'): " + ", ".join(summary.people_created)
                )
            )


def _checked(archive) -> str:
    rows = sum(len(table.rows) for table in archive.tables)
    files = sum(1 for name in archive.members if name.startswith("files/"))
    return (
        f"The archive of {archive.name} ({archive.slug}) is whole: every hash matches; "
        f"{rows} rows in {len(archive.tables)} tables, {files} files, "
        f"{len(archive.people)} people. It can be imported here."
    )
