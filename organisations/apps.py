from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from organisations import tenancy

        # A connection opened inside a tenant context gets its row-level security setting.
        connection_created.connect(tenancy.on_connection_created, dispatch_uid="cse-tenancy")
