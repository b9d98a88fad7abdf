"""``manage.py export_annex_one --org <slug> [--output FILE]``: write an Annex One chart.

The same layout ``import_annex_one`` reads, rows in the standard's order, so an import then an
export gives back the imported cells.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cse_portal.text import printable
from organisations.tenancy import all_tenants
from reports.annex_one import render_annex_one
from reports.management.commands.import_annex_one import organisation_by_slug
from reports.progression import annex_one_rows


class Command(BaseCommand):
    help = "Export an organisation's Annex One (ref × year, cells like 'X CP') as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument(
            "--output", default="-", help="the CSV file to write; '-' or none for stdout"
        )

    @all_tenants("an operator's command names the organisation by slug")
    def handle(self, *args, org: str, output: str, **options) -> None:
        organisation = organisation_by_slug(org)
        years, rows = annex_one_rows(organisation)
        text = render_annex_one(years, rows)
        if output == "-":
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as out:
                out.write(text)
        except OSError as exc:
            raise CommandError(printable(f"Cannot write {output}: {exc.strerror}.")) from None
        self.stdout.write(printable(f"Wrote {len(rows)} rows × {len(years)} years to {output}."))
