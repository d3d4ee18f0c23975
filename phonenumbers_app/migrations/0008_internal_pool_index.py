# The numbers held for internal use, in list order (see models.py): built concurrently on
# PostgreSQL; SQLite has no INCLUDE and scans instead (core.db.operations).

from django.db import migrations, models

from core.db.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("phonenumbers_app", "0007_index_diet")]

    operations = [
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(("is_internal_pool", True)),
                fields=["-created_at", "-id"],
                include=("business",),
                name="phone_number_internal_pool_idx",
            ),
        ),
    ]
