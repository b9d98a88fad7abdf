from django.core.management.base import BaseCommand, CommandError

from demo.services import PEOPLE, DemoRefused, setup_demo
from organisations.tenancy import all_tenants


class Command(BaseCommand):
    help = (
        "Load the CSE standard and create the demo organisations 'demo' and 'riverside', "
        "their people (password demo-password) and Annex One history. Safe to run again."
    )

    @all_tenants("the demo setup builds several organisations")
    def handle(self, *args, **options) -> None:
        try:
            setup_demo(stdout=self.stdout)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for email, _name, slug, role in PEOPLE:
            self.stdout.write(f"  {email:<22} {role.label} of {slug}")
        self.stdout.write("  password: demo-password")
