"""Django's ``migrate``, run as the tables' owner when ``MIGRATION_DATABASE_URL`` is set.

On PostgreSQL the app connects (``DATABASE_URL``) as a role that neither owns the tables nor
bypasses row-level security; only migrations run as the owner. With MIGRATION_DATABASE_URL
set, this command points the default connection at the owner for its own run, migrates, then
grants the app's role (DATABASE_URL's user) its rights on every table and sequence (reading
and writing rows; no DDL), and says so if that role could bypass the policies. Migrations read
and write every organisation's rows (data migrations too), so the run is declared
cross-tenant (organisations.tenancy.all_tenants). Without the setting it is Django's migrate.
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from organisations.tenancy import all_tenants

CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


class Command(DjangoMigrate):
    help = (
        DjangoMigrate.help + " Runs as MIGRATION_DATABASE_URL's role (the tables' owner) when "
        "it is set, then grants DATABASE_URL's role its rights on the tables."
    )

    @all_tenants("migrations, data migrations included, read and write every organisation")
    def handle(self, *args, **options):
        owner = getattr(settings, "MIGRATION_DATABASE", None)
        if not owner or options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        connection = connections[DEFAULT_DB_ALIAS]
        app_settings = {key: connection.settings_dict.get(key) for key in CONNECTION_KEYS}
        connection.close()
        connection.settings_dict.update({key: owner.get(key, "") for key in CONNECTION_KEYS})
        connection.settings_dict["OPTIONS"] = owner.get("OPTIONS") or {}
        try:
            super().handle(*args, **options)
            if connection.vendor == "postgresql" and app_settings["USER"]:
                self.grant(connection, app_settings["USER"])
        finally:
            connection.close()
            connection.settings_dict.update(app_settings)

    def grant(self, connection, role: str) -> None:
        """The app's role may read and write rows of every table, and nothing more."""
        name = connection.ops.quote_name(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                self.stderr.write(
                    f"The app's role {role} (DATABASE_URL) does not exist: create it with "
                    "NOSUPERUSER NOBYPASSRLS (docs/security.md, Tenancy), then migrate again."
                )
                return
            cursor.execute("SELECT current_user")
            if cursor.fetchone()[0] == role:
                self.stderr.write(
                    f"DATABASE_URL and MIGRATION_DATABASE_URL are both {role}: the app's role "
                    "should not own the tables it reads."
                )
            elif any(found):
                self.stderr.write(
                    f"The app's role {role} is a superuser or has BYPASSRLS: row-level "
                    f"security does not hold it. ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS."
                )
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"
            )
            cursor.execute(
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {name}"
            )
        if self.verbosity:
            self.stdout.write(f"Granted {role} its rights on every table and sequence.")
