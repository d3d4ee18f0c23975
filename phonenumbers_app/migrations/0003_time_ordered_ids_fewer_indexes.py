# Time-ordered ids for new phone numbers and events (core/ids.py), and no index that
# another index already covers: every index costs every insert, bulk imports most.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import core.ids

# Names of the indexes Django created for db_index=True (the same on PostgreSQL and
# SQLite; the *_like twin exists on PostgreSQL only).
# name: (table, column), with the index that covers it in a comment.
REDUNDANT_INDEXES = {
    # phone_number_business_idx
    "phonenumbers_app_phonenumber_business_id_56476eea": (
        "phonenumbers_app_phonenumber",
        "business_id",
    ),
    # phone_number_created_idx
    "phonenumbers_app_phonenumber_created_at_b4860f5f": (
        "phonenumbers_app_phonenumber",
        "created_at",
    ),
    # event_timeline_idx
    "phonenumbers_app_phonenumberevent_phone_number_id_344b3b36": (
        "phonenumbers_app_phonenumberevent",
        "phone_number_id",
    ),
    # ten_dlc_campaign_status_idx
    "phonenumbers_app_tendlc_campaign_status_3c20348c": (
        "phonenumbers_app_tendlc",
        "campaign_status",
    ),
}
LIKE_INDEX = "phonenumbers_app_tendlc_campaign_status_3c20348c_like"


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0001_initial"),
        ("phonenumbers_app", "0002_search_indexes"),
    ]

    # Only the model state changes through AlterField: run for real, Django's AlterField
    # would also drop the partial unique index phone_number_one_default_per_business (it
    # is on business_id) and re-validate two foreign keys over whole tables.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="phonenumber",
                    name="business",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="phone_numbers",
                        to="businesses.business",
                    ),
                ),
                migrations.AlterField(
                    model_name="phonenumber",
                    name="created_at",
                    field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                migrations.AlterField(
                    model_name="phonenumber",
                    name="id",
                    field=models.UUIDField(
                        default=core.ids.new_id, primary_key=True, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="phonenumberevent",
                    name="id",
                    field=models.UUIDField(
                        default=core.ids.new_id, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AlterField(
                    model_name="phonenumberevent",
                    name="phone_number",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="phonenumbers_app.phonenumber",
                    ),
                ),
                migrations.AlterField(
                    model_name="tendlc",
                    name="campaign_status",
                    field=models.CharField(blank=True, max_length=64, null=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in [*REDUNDANT_INDEXES, LIKE_INDEX]],
                    reverse_sql=[
                        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                        for name, (table, column) in REDUNDANT_INDEXES.items()
                    ],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="tendlc",
            index=models.Index(fields=["campaign_status"], name="ten_dlc_campaign_status_idx"),
        ),
    ]
