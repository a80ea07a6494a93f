"""PostgreSQL for test runs (ENGINE "tests.postgresql", set by ambient.settings.test): Django's own
backend, except how the database is emptied after a transactional test.

Django flushes with one TRUNCATE of every table, which rewrites each table's files: 90-150 ms per
test for a dozen tables holding a few rows, then post_migrate inserts the content types and
permissions again. DELETE of those few rows takes milliseconds, and the content types and
permissions, the same for every test, are left in place. Tests see the same empty tables.

After each flush Django still sends post_migrate, whose content-type and permission handlers query
every app to find those kept rows all there (~24 queries, ~55 ms of CPU per transactional test):
`kept_rows_not_checked_again` takes them off the signal once the test database is migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.postgresql import base, operations
from django.db.models.signals import post_migrate

# Rows post_migrate writes after every flush, identical each time.
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        emptied = [table for table in tables if table not in KEPT_TABLES]
        if reset_sequences or allow_cascade:  # what TRUNCATE does there, DELETE does not
            return super().sql_flush(style, emptied, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # Django's foreign keys are deferred, so the order of the deletes does not matter.
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in emptied]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations


# django.contrib.auth connects its handler under this uid (AuthConfig.ready).
_PERMISSIONS_UID = "django.contrib.auth.management.create_permissions"


@contextmanager
def kept_rows_not_checked_again() -> Iterator[None]:
    """While inside, post_migrate does not look for the content types and permissions again: the
    migrated test database has them and this backend's flush never deletes them. Anything else on
    the signal still runs. Outside this backend (SQLite's flush deletes them) it changes nothing."""
    if not isinstance(connection.ops, DatabaseOperations):
        yield
        return
    # Imported here: they load models, and this module is loaded before the apps are.
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    post_migrate.disconnect(create_contenttypes)
    post_migrate.disconnect(create_permissions, dispatch_uid=_PERMISSIONS_UID)
    try:
        yield
    finally:
        post_migrate.connect(create_contenttypes)
        post_migrate.connect(create_permissions, dispatch_uid=_PERMISSIONS_UID)
