"""Signing in and finding who is signed in: Django's ModelBackend, with the read of the
signed-in user on every request written once instead of built by the ORM each time
(cse_portal.row_reads: some 0.15 ms a request). ``AUTHENTICATION_BACKENDS`` names it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from cse_portal.row_reads import ModelColumns, fetch

_USER = ModelColumns(get_user_model(), "u")


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        """The active user of this id, or None, as ModelBackend finds them
        (``User._default_manager.get(pk=user_id)``, then ``user_can_authenticate``)."""
        model = _USER.model
        using = router.db_for_read(model)
        connection = connections[using]
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:  # a session's id that is not one is no user
            return None
        rows = fetch(
            f"SELECT {_USER.select(connection)} FROM {_USER.table(connection)} "
            f"WHERE {_USER.column(connection, model._meta.pk.name)} = %s",
            [pk],
            using,
        )
        if not rows:
            return None
        user = _USER.instance(connection, rows[0])
        return user if self.user_can_authenticate(user) else None
