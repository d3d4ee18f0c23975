"""Trigram indexes so `search` (a substring of the number or the name) uses an index.

PostgreSQL only: SQLite has no trigram indexes and scans, which is fine at its scale.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from core.db.operations import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("phonenumbers_app", "0001_initial")]

    operations = [
        TrigramExtension(),
        PostgresOnlySQL(
            "CREATE INDEX phone_number_number_trgm ON phonenumbers_app_phonenumber "
            "USING gin (number gin_trgm_ops)",
            "DROP INDEX phone_number_number_trgm",
        ),
        # Matches what `name__icontains` compiles to: UPPER("name"::text) LIKE UPPER(%s).
        PostgresOnlySQL(
            "CREATE INDEX phone_number_name_trgm ON phonenumbers_app_phonenumber "
            "USING gin (UPPER(name::text) gin_trgm_ops)",
            "DROP INDEX phone_number_name_trgm",
        ),
    ]
