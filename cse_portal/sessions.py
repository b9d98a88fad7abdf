"""The session store: Django's database sessions, with the one read of every request written
once instead of built by the ORM each time (cse_portal.row_reads: some 0.2 ms a request).
Writes, expiry and clearing are Django's own. ``SESSION_ENGINE`` names this module."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from cse_portal.row_reads import ModelColumns, fetch

_SESSION = ModelColumns(Session, "s")


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The unexpired session of this key, as Django's own store reads it
        (``Session.objects.get(session_key=…, expire_date__gt=now)``)."""
        if self.session_key is None:  # refused as malformed when set: nothing to look up
            return None
        using = router.db_for_read(Session)
        connection = connections[using]
        rows = fetch(
            f"SELECT {_SESSION.select(connection)} FROM {_SESSION.table(connection)} "
            f"WHERE {_SESSION.column(connection, 'session_key')} = %s "
            f"AND {_SESSION.column(connection, 'expire_date')} > %s",
            [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            using,
        )
        if not rows:
            self._session_key = None
            return None
        return _SESSION.instance(connection, rows[0])
