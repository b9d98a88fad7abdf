from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from organisations import generations, tenancy

        # A connection opened inside a tenant context gets its row-level security setting.
        connection_created.connect(tenancy.on_connection_created, dispatch_uid="cse-tenancy")
        # Every connection notes which organisation's data its writes change.
        connection_created.connect(generations.install, dispatch_uid="cse-generations")
