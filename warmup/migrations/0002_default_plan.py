from django.db import migrations


def create_default_plan(apps, schema_editor):
    WarmupPlan = apps.get_model("warmup", "WarmupPlan")
    if not WarmupPlan.objects.filter(is_default=True).exists():
        WarmupPlan.objects.create(
            name="Standard (21 days)",
            description=(
                "20 SMS on day 1 up to 1,000 a day on day 21; calls in five stages from 10 "
                "to 200 a day. Pauses below 85% delivery, above 5% carrier rejections, 10% "
                "failures, 5% opt-outs or at 3 spam reports in 7 days."
            ),
            is_default=True,
        )


class Migration(migrations.Migration):
    dependencies = [("warmup", "0001_initial")]
    operations = [migrations.RunPython(create_default_plan, migrations.RunPython.noop)]
