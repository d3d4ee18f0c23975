# The index of events by owner, built after 0005 filled the column (see its last operation).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("phonenumbers_app", "0005_event_owner_and_staff_actor")]

    operations = [
        migrations.AddIndex(
            model_name="phonenumberevent",
            index=models.Index(
                condition=models.Q(("business__isnull", False)),
                fields=["business"],
                name="event_business_idx",
            ),
        ),
    ]
