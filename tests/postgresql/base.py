"""PostgreSQL for test runs (ENGINE "tests.postgresql", set by ambient.settings.test): Django's own
backend, except how the database is emptied after a transactional test.

Django flushes with one TRUNCATE of every table, which rewrites each table's files: 90-150 ms per
test for a dozen tables holding a few rows, then post_migrate inserts the content types and
permissions again. DELETE of those few rows takes milliseconds, and the content types and
permissions, the same for every test, are left in place (post_migrate finds them there). Tests see
the same empty tables.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations

# Rows post_migrate writes after every flush, identical each time.
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or allow_cascade:  # what TRUNCATE does there, DELETE does not
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # Django's foreign keys are deferred, so the order of the deletes does not matter.
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
            if table not in KEPT_TABLES
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
