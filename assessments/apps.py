from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from assessments.outcome import configured_thresholds

        # A bad OUTCOME_* setting stops every process at start-up (web, worker, commands),
        # with a message naming the variable, rather than at the first outcome computed.
        configured_thresholds()
