"""Fill a PostgreSQL database with N realistic phone numbers, set-based and fast.

For the benchmarks only (the product's own generator is a management command in a
later issue). Rows go straight in with INSERT ... SELECT generate_series, so a
million numbers take seconds, not the hours a per-row ORM loop would.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/load_inventory.py --numbers 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402

from phonenumbers_app.models import Billing, PhoneNumber, TenDlc  # noqa: E402

BUSINESSES = 1000
STATES = [  # for assigned numbers, by i % len
    "Assigned", "Assigned", "Assigned", "Ready for SMS", "Ready for SMS", "Ready for SMS",
    "Ready for voice", "Pending verification", "Restricted", "Suspended", "Warmup-only",
    "Failed", "Internal/test-only", "Released",
]  # fmt: skip
STATUSES = ["Active", "Active", "Active", "Active", "Provisioning", "Unregistered", "Suspended",
            "Expired", "FailedProvisioning"]  # fmt: skip
WARMUP = ["Warming", "Healthy", "Healthy", "Ready", "Needs Attention", "Paused", "Blocked",
          "Not Started"]  # fmt: skip


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def _pick(values: list[str], salt: int) -> str:
    return f"({_array(values)})[((i * {salt}) % {len(values)}) + 1]"


def _literal(field: models.Field) -> str:
    default = field.get_default()
    if default is None:
        return "NULL"
    if isinstance(default, bool):
        return "TRUE" if default else "FALSE"
    if isinstance(default, int):
        return str(default)
    return f"'{default}'"


def insert_numbers(count: int) -> None:
    expressions = {
        "id": "gen_random_uuid()",
        "number": "'+1' || (2012000000 + i)::text",
        "name": "'Line ' || i::text",
        "business_id": f"CASE WHEN i % 10 = 0 THEN NULL ELSE b.ids[(i % {BUSINESSES}) + 1] END",
        "inventory_state": f"CASE WHEN i % 10 = 0 THEN 'Available' ELSE {_pick(STATES, 7)} END",
        "status": _pick(STATUSES, 3),
        "warmup_state": _pick(WARMUP, 5),
        "health_status": _pick(WARMUP, 11),
        "warmup_enabled": "i % 3 <> 0",
        "warmup_health_score": "(i * 37) % 101",
        "warmup_progress_percent": "(i * 53) % 101",
        "is_preferred": "i % 50 = 0",
        "provider": "CASE WHEN i % 2 = 0 THEN 'telnyx' ELSE 'twilio' END",
        "provider_phone_number_id": "'pn_' || i::text",
        "location_country_code": "'US'",
        "created_at": f"now() - (({count} - i) * interval '30 seconds')",
        "modified_at": "CASE WHEN i % 4 = 0 THEN now() - (i % 1000) * interval '1 hour' END",
        "provider_released_at": (
            f"CASE WHEN i % 10 <> 0 AND {_pick(STATES, 7)} = 'Released' THEN now() END"
        ),
    }
    columns, values = [], []
    for field in PhoneNumber._meta.concrete_fields:
        columns.append(field.column)
        values.append(expressions.get(field.column, _literal(field)))
    sql = f"""
        WITH b AS (SELECT array_agg(id ORDER BY name) AS ids FROM businesses_business)
        INSERT INTO {PhoneNumber._meta.db_table} ({", ".join(columns)})
        SELECT {", ".join(values)} FROM generate_series(1, {count}) AS i, b
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)


def insert_related(model: type[models.Model], overrides: dict[str, str]) -> None:
    columns, values = [], []
    for field in model._meta.concrete_fields:
        columns.append(field.column)
        values.append(overrides.get(field.column, _literal(field)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {PhoneNumber._meta.db_table} p"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--numbers", type=int, default=1_000_000)
    count = parser.parse_args().numbers
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE phonenumbers_app_phonenumberevent, phonenumbers_app_tendlc, "
            "phonenumbers_app_billing, phonenumbers_app_phonenumber, businesses_membership, "
            "businesses_business CASCADE"
        )
        cursor.execute(
            "INSERT INTO businesses_business (id, name, created_at) "
            "SELECT gen_random_uuid(), 'Business ' || lpad(i::text, 4, '0'), now() "
            f"FROM generate_series(1, {BUSINESSES}) AS i"
        )
    insert_numbers(count)
    insert_related(
        TenDlc,
        {
            "phone_number_id": "p.id",
            "campaign_status": "(ARRAY['Approved','Pending','Rejected','NotSubmitted'])"
            "[(abs(hashtext(p.number)) % 4) + 1]",
        },
    )
    insert_related(
        Billing,
        {"phone_number_id": "p.id", "business_id": "p.business_id", "monthly_amount": "1.15"},
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{count:,} numbers in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
