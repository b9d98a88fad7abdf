"""manage.py create_organisation <slug> "<name>": a new, empty organisation (tenant)."""

from django.core.management.base import BaseCommand, CommandError

from cse_portal.text import printable
from organisations.services import OrganisationError, create_organisation
from organisations.tenancy import all_tenants


class Command(BaseCommand):
    help = "Create an organisation. Add its first admin with add_member."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's part of its URLs: /o/<slug>/")
        parser.add_argument("name", help="the organisation's full name")

    @all_tenants("an operator's command creates an organisation")
    def handle(self, *args, slug: str, name: str, **options):
        try:
            organisation = create_organisation(slug, name, acting_user=None)
        except OrganisationError as error:
            # Whatever was typed is shown escaped: no terminal escape code is replayed.
            raise CommandError(printable(str(error))) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created organisation {printable(repr(organisation.name))} "
                f"at /o/{organisation.slug}/."
            )
        )
        self.stdout.write(
            f"Add its first admin: manage.py add_member {organisation.slug} <email> admin"
        )
