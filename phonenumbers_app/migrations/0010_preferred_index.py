# The preferred numbers in list order (see models.py): built concurrently on PostgreSQL;
# SQLite has no INCLUDE and scans instead (core.db.operations).

from django.db import migrations, models

from core.db.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("phonenumbers_app", "0009_event_type_time_index")]

    operations = [
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(("is_preferred", True)),
                fields=["-created_at", "-id"],
                include=("business",),
                name="phone_number_preferred_idx",
            ),
        ),
    ]
