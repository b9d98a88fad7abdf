from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # Assessments asks its years' evidence through this interface: it may not import us.
        from assessments import linked_evidence
        from evidence.year_links import YearLinks

        linked_evidence.provide(YearLinks())
