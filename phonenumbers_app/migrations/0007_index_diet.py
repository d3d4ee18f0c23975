# Index diet: every index of the phone-number tables declared in Meta, each serving a
# query the product runs (see the comments in models.py), built and dropped CONCURRENTLY
# on PostgreSQL so that a large table stays writable meanwhile (hence atomic = False).
#
# - Dropped: the single-column status, warmup, health and provider indexes (a filter on
#   one of them matches too many rows for an index to beat walking the date index) and
#   the events' (type, created_at) index (no query reads it).
# - The number's trigram index gives way to b-trees: the number with the id (whole
#   numbers, area codes as ranges, orderBy=number) and its reverse (last digits).
# - Sort indexes (column, id) for each orderBy the API keeps.
# - The name trigram index, created by 0002 in SQL only, is now declared (state only).
# - Extended statistics on the four state columns: the planner learns which combinations
#   are rare (e.g. Paused warmup with Blocked health) instead of assuming independence.

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

from core.db.operations import AddIndexConcurrently, PostgresOnlySQL, RemoveIndexConcurrently

PHONE_NUMBER = "phonenumbers_app_phonenumber"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("phonenumbers_app", "0006_event_business_index")]

    operations = [
        RemoveIndexConcurrently(model_name="phonenumber", name="phone_number_status_idx"),
        RemoveIndexConcurrently(model_name="phonenumber", name="phone_number_provider_idx"),
        RemoveIndexConcurrently(model_name="phonenumber", name="phone_number_warmup_idx"),
        RemoveIndexConcurrently(model_name="phonenumber", name="phone_number_health_idx"),
        RemoveIndexConcurrently(model_name="phonenumberevent", name="event_type_idx"),
        RemoveIndexConcurrently(model_name="phonenumber", name="phone_number_number_idx"),
        PostgresOnlySQL(
            "DROP INDEX CONCURRENTLY IF EXISTS phone_number_number_trgm",
            f"CREATE INDEX CONCURRENTLY phone_number_number_trgm ON {PHONE_NUMBER} "
            "USING gin (number gin_trgm_ops)",
        ),
        PostgresOnlySQL(
            "DROP INDEX CONCURRENTLY IF EXISTS phone_number_modified_idx",
            f"CREATE INDEX CONCURRENTLY phone_number_modified_idx ON {PHONE_NUMBER} "
            "(modified_at DESC NULLS LAST)",
        ),
        # Built by 0002 on PostgreSQL (SQLite has no trigram indexes): declared, not rebuilt.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="phonenumber",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                        ),
                        name="phone_number_name_trgm",
                    ),
                ),
            ]
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(fields=["number", "id"], name="phone_number_number_idx"),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                django.db.models.functions.text.Reverse("number"),
                name="phone_number_number_suffix_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(fields=["name", "id"], name="phone_number_name_idx"),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                models.OrderBy(models.F("modified_at"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="phone_number_modified_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(fields=["modified_at", "id"], name="phone_number_modified_asc_idx"),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                fields=["warmup_health_score", "id"], name="phone_number_health_score_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                fields=["warmup_progress_percent", "id"], name="phone_number_progress_idx"
            ),
        ),
        PostgresOnlySQL(
            "CREATE STATISTICS IF NOT EXISTS phone_number_states_stats (mcv) ON "
            f"inventory_state, status, warmup_state, health_status FROM {PHONE_NUMBER}",
            "DROP STATISTICS IF EXISTS phone_number_states_stats",
        ),
        # Extended statistics stay empty until the table is analysed (a sample: seconds).
        PostgresOnlySQL(f"ANALYZE {PHONE_NUMBER}", migrations.RunSQL.noop),
    ]
