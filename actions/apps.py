from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Improvement actions"

    def ready(self) -> None:
        # Assessments asks about its years' actions through this interface: it may not
        # import us.
        from actions.year_actions import YearActions
        from assessments import linked_actions

        linked_actions.provide(YearActions())
