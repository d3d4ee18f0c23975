# Foreign-key indexes without their null rows (see models.not_null_index). The plain
# indexes are dropped by name: Django's AlterField would also drop and re-validate the
# foreign keys over whole tables.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the db_index=True indexes (the same on PostgreSQL and SQLite):
# name → (table, column).
PLAIN_INDEXES = {
    "phonenumbers_app_billing_business_id_7e7bcb1a": ("phonenumbers_app_billing", "business_id"),
    "phonenumbers_app_billing_user_id_3bc6755f": ("phonenumbers_app_billing", "user_id"),
    "phonenumbers_app_phonenumber_user_id_be8bec1d": ("phonenumbers_app_phonenumber", "user_id"),
    "phonenumbers_app_phonenumberevent_actor_id_98f2d694": (
        "phonenumbers_app_phonenumberevent",
        "actor_id",
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0001_initial"),
        ("phonenumbers_app", "0003_time_ordered_ids_fewer_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="billing",
                    name="business",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="businesses.business",
                    ),
                ),
                migrations.AlterField(
                    model_name="billing",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="phonenumber",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The user the number was created or claimed for.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="phone_numbers",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="phonenumberevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in PLAIN_INDEXES],
                    reverse_sql=[
                        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                        for name, (table, column) in PLAIN_INDEXES.items()
                    ],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="billing",
            index=models.Index(
                condition=models.Q(("business__isnull", False)),
                fields=["business"],
                name="billing_business_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="billing",
            index=models.Index(
                condition=models.Q(("user__isnull", False)),
                fields=["user"],
                name="billing_user_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="phonenumber",
            index=models.Index(
                condition=models.Q(("user__isnull", False)),
                fields=["user"],
                name="phone_number_user_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="phonenumberevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="event_actor_idx",
            ),
        ),
    ]
