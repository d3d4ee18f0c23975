"""Server time and SQL queries of the operator pages and the admin on a large inventory.

Fill a PostgreSQL database first (bench/generate_load_data.py --numbers 1000000
--events-per-number 5), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice \\
        .venv/bin/python bench/bench_backoffice.py [--runs 20]

Requests run in-process through the whole Django stack as a logged-in staff user.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from businesses.models import Business  # noqa: E402
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent  # noqa: E402

ADMIN = "/admin/phonenumbers_app/phonenumber/"


def measure(client: Client, label: str, url: str, params: dict, runs: int) -> None:
    times = []
    for _ in range(runs):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    print(
        f"{label:<44} {statistics.median(times):>9.1f} {sorted(times)[int(runs * 0.9) - 1]:>8.1f}"
        f" {len(captured.captured_queries):>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    staff, _ = User.objects.get_or_create(
        username="bench-operator", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    business = Business.objects.order_by("name")[2]
    sample = PhoneNumber.objects.order_by("created_at")[10_000]
    typed = f"({sample.number[2:5]}) {sample.number[5:8]}-{sample.number[8:]}"
    print(
        f"numbers: {PhoneNumber.objects.count():,}; events: {PhoneNumberEvent.objects.count():,};"
        f" database: {connection.vendor}; cores: {os.cpu_count()}; runs: {runs}"
    )
    print(f"{'page':<44} {'median ms':>9} {'p90 ms':>8} {'queries':>8}")
    cases = [
        ("dashboard /ops/", "/ops/", {}),
        ("numbers page, unfiltered", "/ops/numbers/", {}),
        (
            "numbers page, filtered (state + business)",
            "/ops/numbers/",
            {"inventoryState": "Assigned", "businessId": str(business.pk)},
        ),
        ("numbers page, searched (full number)", "/ops/numbers/", {"search": typed}),
        ("number page", f"/ops/numbers/{sample.pk}/", {}),
        ("admin changelist, unfiltered", ADMIN, {}),
        ("admin changelist, filtered (state)", ADMIN, {"inventory_state__exact": "Suspended"}),
        ("admin changelist, searched (full number)", ADMIN, {"q": typed}),
        ("admin change page", f"{ADMIN}{sample.pk}/change/", {}),
    ]
    for label, url, params in cases:
        client.get(url, params)  # warm
        measure(client, label, url, params, runs)


if __name__ == "__main__":
    main()
