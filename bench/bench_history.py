"""Server time and SQL queries of a number's reads with its history, as a tenant and as staff.

A tenant sees only the events written while its businesses owned the number (and staff as
"Support"); staff see all. Load the table first with bench/load_inventory.py, then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_history.py [--runs 50]

Requests go through the whole Django stack in-process, as in bench_list.py.
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
os.environ.setdefault("API_RATE_LIMIT", "1000000/min")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_key_create  # noqa: E402
from businesses.models import Business, Membership  # noqa: E402
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent  # noqa: E402


def client_for(user: User) -> Client:
    _, key = api_key_create(user=user, name="bench")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="localhost")


def measure(client: Client, path: str, runs: int) -> tuple[float, float, int, int]:
    for _ in range(3):  # warm-up
        client.get(path)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:500]
    body = response.json()
    events = body.get("events", body.get("items", []))
    return (
        statistics.median(times),
        sorted(times)[int(len(times) * 0.9) - 1],
        len(captured.captured_queries),
        len(events),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    # A number that was claimed from the pool: its trail has events of both owners.
    claimed = (
        PhoneNumberEvent.objects.filter(type="assigned", business__isnull=False)
        .values_list("phone_number_id", flat=True)
        .first()
    )
    number = PhoneNumber.objects.select_related("business").get(pk=claimed)
    business: Business = number.business
    tenant, _ = User.objects.get_or_create(username="bench-tenant")
    Membership.objects.get_or_create(user=tenant, business=business)
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})

    print(
        f"numbers: {PhoneNumber.objects.count():,}; events: {PhoneNumberEvent.objects.count():,}; "
        f"database: {connection.vendor}; cores: {os.cpu_count()}; runs: {args.runs}"
    )
    print(f"{'case':<34} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'events':>7}")
    for label, user in (("tenant", tenant), ("staff", staff)):
        client = client_for(user)
        for tail in ("", "/events", "/warmup"):
            path = f"/phone-numbers/{number.pk}{tail}"
            median, p90, queries, events = measure(client, path, args.runs)
            print(
                f"{label + ' GET {id}' + tail:<34} {median:>10.2f} {p90:>8.2f} "
                f"{queries:>8} {events:>7}"
            )


if __name__ == "__main__":
    main()
