"""PostgreSQL-only indexes; SQLite has none of these kinds and scans, fine at its scale.

- Trigram indexes, so `search` (a substring of the number or the name) uses an index.
- modified_at DESC NULLS LAST, so the dashboard's "needs attention" (newest change
  first) stops after a page of matches instead of sorting every match.
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
        PostgresOnlySQL(
            "CREATE INDEX phone_number_modified_idx ON phonenumbers_app_phonenumber "
            "(modified_at DESC NULLS LAST)",
            "DROP INDEX phone_number_modified_idx",
        ),
    ]
