"""manage.py renew_generations: every page kept by the page cache is drawn again.

The app notes every write it makes itself (organisations.generations); run this after
changing data some other way (psql, another program, a restore of files only)."""

from django.core.management.base import BaseCommand

from organisations import generations


class Command(BaseCommand):
    help = (
        "Renew the data generation of everything, so that no page kept by the page cache is "
        "served again: after changing the database other than through the app."
    )

    def handle(self, *args, **options) -> None:
        generations.renew(generations.GLOBAL)
        self.stdout.write("Renewed: every page is drawn afresh from now on.")
