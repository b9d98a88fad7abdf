from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from organisations import generations, tenancy

        # Every connection notes which organisation's data its writes change (outermost, so
        # it sees each statement as the app wrote it)…
        connection_created.connect(generations.install, dispatch_uid="cse-generations")
        # …and runs each statement with its context's row-level security setting.
        connection_created.connect(tenancy.install, dispatch_uid="cse-tenancy")
