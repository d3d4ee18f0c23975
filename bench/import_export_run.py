"""django-import-export importing a CSV of phone numbers in its fastest documented mode.

Run by bench/bench_import.py in a process of its own (for its peak memory).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

import tablib  # noqa: E402
from import_export import fields, resources  # noqa: E402

from phonenumbers_app.models import PhoneNumber  # noqa: E402


class PhoneNumberResource(resources.ModelResource):
    inventoryState = fields.Field(attribute="inventory_state", column_name="inventoryState")
    warmupHealthScore = fields.Field(
        attribute="warmup_health_score", column_name="warmupHealthScore"
    )
    warmupProgressPercent = fields.Field(
        attribute="warmup_progress_percent", column_name="warmupProgressPercent"
    )

    class Meta:
        model = PhoneNumber
        fields = (
            "number",
            "name",
            "status",
            "enabled",
            "provider",
            "inventoryState",
            "warmupHealthScore",
            "warmupProgressPercent",
        )
        import_id_fields = ("number",)
        use_bulk = True
        skip_diff = True
        force_init_instance = True
        batch_size = 1000
        skip_unchanged = False
        report_skipped = False


def main() -> None:
    path = Path(sys.argv[1])
    dataset = tablib.Dataset().load(path.read_text(), format="csv")
    result = PhoneNumberResource().import_data(dataset, dry_run=False, raise_errors=True)
    print(f"django-import-export: {result.totals}")


if __name__ == "__main__":
    main()
