from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "Standards"

    def ready(self) -> None:
        from standards import memo
        from standards.models import Criterion, Element, Standard, SubCriterion

        # What standards.memo keeps of a standard is forgotten when any of its rows changes.
        for model in (Standard, Criterion, SubCriterion, Element):
            post_save.connect(memo.forget, sender=model, dispatch_uid=f"memo-{model.__name__}")
            post_delete.connect(memo.forget, sender=model, dispatch_uid=f"memo-{model.__name__}")
