# The events admin's type filter, newest first (see models.py): built concurrently on
# PostgreSQL, so a table of millions of events stays writable while it builds.

from django.db import migrations, models

from core.db.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("phonenumbers_app", "0008_internal_pool_index")]

    operations = [
        AddIndexConcurrently(
            model_name="phonenumberevent",
            index=models.Index(fields=["type", "-created_at", "-id"], name="event_type_time_idx"),
        ),
    ]
