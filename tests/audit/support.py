"""Helpers of the audit tests."""

from assessments.models import ElementResult


def mark(result: ElementResult, user, **fields) -> None:
    """An assessor's save of the given fields, with history naming ``user``."""
    for name, value in fields.items():
        setattr(result, name, value)
    result._history_user = user
    result.save(update_fields=[*fields, "updated_at"])
