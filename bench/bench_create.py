"""Server time and SQL queries of POST /phone-numbers (create, assign, claim).

Runs in-process through Django's test client against a throwaway test database
on whatever DATABASE_URL names (SQLite by default), so it measures the server's
own work, not the network. Run by hand; report the figures with `nproc`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_create.py
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("API_RATE_LIMIT", "1000000/min")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, client, bodies: list[dict], expect: int) -> None:
    times, queries = [], set()
    for body in bodies:
        connection.queries_log.clear()  # the log is capped at 9,000 entries
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.post("/phone-numbers", body, format="json")
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == expect, response.content
        queries.add(len(captured))
    times.sort()
    print(
        f"{label:<34} n={len(times):<4} median {statistics.median(times):6.2f} ms"
        f"   p95 {times[int(len(times) * 0.95) - 1]:6.2f} ms   queries {sorted(queries)}"
    )


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from rest_framework.test import APIClient

    from accounts.models import User
    from accounts.services import api_key_create
    from businesses.services import business_create
    from phonenumbers_app.services import phone_number_create

    staff = User.objects.create(username="bench", is_staff=True)
    _, key = api_key_create(user=staff, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    business = business_create(name="Bench Co")
    print(f"database: {connection.vendor}; cores: {os.cpu_count()}; rounds: {ROUNDS}")

    before = rss_mb()
    start = time.perf_counter()
    client.post(
        "/phone-numbers",
        {"name": "cold", "number": "+12125550100", "businessId": str(business.pk)},
        format="json",
    )
    cold_ms = (time.perf_counter() - start) * 1000
    grown = rss_mb() - before
    print(f"first create (loads geocoder)      {cold_ms:6.0f} ms   peak RSS +{grown:.0f} MB")

    def numbers(area: int) -> list[str]:
        return [f"+1{area}555{line:04d}" for line in range(1000, 1000 + ROUNDS)]

    measure(
        "create new, assigned",
        client,
        [{"name": "n", "number": n, "businessId": str(business.pk)} for n in numbers(415)],
        200,
    )
    for n in numbers(312):
        phone_number_create(acting_user=staff, name="stock", number=n)
    measure(
        "assign existing pool number",
        client,
        [{"name": "a", "number": n, "businessId": str(business.pk)} for n in numbers(312)],
        200,
    )
    for n in numbers(646):
        phone_number_create(acting_user=staff, name="stock", number=n)
    measure(
        "claim from pool", client, [{"name": "c", "businessId": str(business.pk)}] * ROUNDS, 200
    )
    measure(
        "conflict (number exists)",
        client,
        [{"name": "x", "number": n, "businessId": str(business.pk)} for n in numbers(415)],
        409,
    )
    measure("validation error", client, [{"name": "", "number": "nope"}] * ROUNDS, 400)


if __name__ == "__main__":
    main()
