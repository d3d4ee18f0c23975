# The outgoing-number selection's walks of one business's numbers (see models.py):
# built concurrently on PostgreSQL (a plain CREATE INDEX elsewhere; core.db.operations).

from django.db import migrations, models

from core.db.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("phonenumbers_app", "0013_engine_event_types")]

    operations = [
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(
                    ("business__isnull", False),
                    models.Q(("inventory_state", "Released"), _negated=True),
                ),
                fields=["business", "number"],
                name="phone_number_sel_area_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(
                    ("business__isnull", False),
                    models.Q(("inventory_state", "Released"), _negated=True),
                    ("location_state__isnull", False),
                ),
                fields=["business", "location_state", "-created_at", "-id"],
                name="phone_number_sel_state_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(
                    ("business__isnull", False),
                    models.Q(("inventory_state", "Released"), _negated=True),
                    ("campaign_id__isnull", False),
                ),
                fields=["business", "campaign_id", "-created_at", "-id"],
                name="phone_number_sel_campaign_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(
                    ("business__isnull", False),
                    models.Q(("inventory_state", "Released"), _negated=True),
                    ("source_id__isnull", False),
                ),
                fields=["business", "source_id", "-created_at", "-id"],
                name="phone_number_sel_source_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(
                    ("business__isnull", False),
                    models.Q(("inventory_state", "Released"), _negated=True),
                    ("is_preferred", True),
                ),
                fields=["business", "-created_at", "-id"],
                name="phone_number_sel_pref_idx",
            ),
        ),
    ]
