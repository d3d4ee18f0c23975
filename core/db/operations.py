from django.contrib.postgres import operations as postgres_operations
from django.db import migrations, models


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL (index types SQLite does not have)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def portable_index(index: models.Index) -> bool:
    """Whether SQLite can build `index`: plain columns, no operator class, b-tree.

    Expressions (ordering modifiers such as NULLS LAST, functions such as REVERSE),
    operator classes, INCLUDE columns and GIN are PostgreSQL's; SQLite scans instead,
    fine at its scale.
    """
    return (
        type(index) is models.Index
        and bool(index.fields)
        and not index.opclasses
        and not index.include
    )


class AddIndexConcurrently(postgres_operations.AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on while a large table is
    indexed); elsewhere a plain CREATE INDEX, or nothing for PostgreSQL-only kinds."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        elif portable_index(self.index):
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        elif portable_index(self.index):
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class RemoveIndexConcurrently(postgres_operations.RemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY on PostgreSQL; elsewhere a plain DROP INDEX of an index
    SQLite has (see portable_index)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        elif portable_index(
            from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        ):
            migrations.RemoveIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        elif portable_index(
            to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        ):
            migrations.RemoveIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
