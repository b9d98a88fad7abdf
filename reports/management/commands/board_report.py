"""``manage.py board_report --org <slug> --year <year> --output FILE.pdf``: the board report,
rendered here and now (no worker, no job row), for scripting and checking.

The cover sheet is the organisation's latest request's (as the page offers it again), with
any field given as an option in its place (``--meeting "Board, 3 May"``,
``--meeting-date 2019-05-03``, …).
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Assessment
from cse_portal.text import printable, unsafe_characters
from organisations.tenancy import all_tenants
from reports import jobs
from reports.management.commands.import_annex_one import organisation_by_slug

TEXT_OPTIONS = [name for name in jobs.COVER_FIELDS if name != "meeting_date"]


class Command(BaseCommand):
    help = "Render an organisation's board report for a year to a PDF file, synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the organisation's slug")
        parser.add_argument("--year", required=True, help="the assessment year, e.g. 2018")
        parser.add_argument("--output", required=True, help="the PDF file to write")
        parser.add_argument("--meeting-date", help="the meeting's date, YYYY-MM-DD")
        for name in TEXT_OPTIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", help=f"cover sheet: {name}")

    @all_tenants("an operator's command names the organisation by slug")
    def handle(self, *args, org: str, year: str, output: str, **options) -> None:
        from reports.board_report import CoverSheet, render_board_report_pdf

        organisation = organisation_by_slug(org)
        if not (year.isascii() and year.isdecimal() and len(year) == 4):
            raise CommandError(printable(f'"{year}" is not a year: give four digits, e.g. 2018.'))
        assessment = Assessment.objects.filter(organisation=organisation, year=int(year)).first()
        if assessment is None:
            years = ", ".join(
                str(y)
                for y in Assessment.objects.filter(organisation=organisation)
                .order_by("year")
                .values_list("year", flat=True)
            )
            raise CommandError(
                printable(
                    f"{organisation.name} has no {year} assessment (its years: {years or 'none'})."
                )
            )
        cover = jobs.previous_cover(organisation)
        for name in TEXT_OPTIONS:
            value = options.get(name)
            if value is not None:
                if unsafe_characters(value, multiline=True):
                    raise CommandError(f"--{name.replace('_', '-')} has control characters.")
                cover[name] = value
        if options.get("meeting_date"):
            try:
                cover["meeting_date"] = date.fromisoformat(options["meeting_date"])
            except ValueError:
                raise CommandError("--meeting-date must be a date written YYYY-MM-DD.") from None
        pdf, pages = render_board_report_pdf(assessment, CoverSheet(**cover))
        try:
            with open(output, "wb") as out:
                out.write(pdf)
        except OSError as exc:
            raise CommandError(printable(f"Cannot write {output}: {exc.strerror}.")) from None
        self.stdout.write(
            printable(
                f"Wrote the {year} board report of {organisation.name}: {pages} pages, to {output}."
            )
        )
