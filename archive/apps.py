from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    """Organisation archives: export_organisation and import_organisation (docs/archive.md).
    At the top of the dependency order: it reads and writes every app's tables."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "archive"
    verbose_name = "Organisation archives"
