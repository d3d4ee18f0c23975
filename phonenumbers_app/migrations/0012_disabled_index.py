# A business's disabled numbers it still holds, in list order, and the internal-pool index
# carrying the state too, as tenants' lists exclude released numbers (see models.py): built
# concurrently on PostgreSQL (a plain CREATE INDEX elsewhere; core.db.operations).

from django.db import migrations, models

from core.db.operations import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("phonenumbers_app", "0011_phone_identity_and_ten_dlc_application")]

    operations = [
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(
                    ("enabled", False),
                    models.Q(("inventory_state", "Released"), _negated=True),
                ),
                fields=["business", "-created_at", "-id"],
                name="phone_number_disabled_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="phonenumber", name="phone_number_internal_pool_idx"),
        AddIndexConcurrently(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(("is_internal_pool", True)),
                fields=["-created_at", "-id"],
                include=("business", "inventory_state"),
                name="phone_number_internal_pool_idx",
            ),
        ),
    ]
