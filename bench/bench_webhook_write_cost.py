"""What the outbox adds to a write: PATCH /phone-numbers/{id} with no webhook endpoint,
then with one endpoint subscribed to the number's business (its deliveries are queued,
not sent: no worker runs).

Runs in-process through Django's test client against a throwaway test database on
whatever DATABASE_URL names, like bench_create.py. Run by hand; report with `nproc`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_webhook_write_cost.py
"""

from __future__ import annotations

import os
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

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))


def measure(label: str, client, path: str) -> None:
    times, queries = [], set()
    for i in range(ROUNDS):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.patch(path, {"name": f"{label} {i}"}, format="json")
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
        queries.add(len(captured))
    times.sort()
    print(
        f"{label:<28} n={len(times):<4} p50 {statistics.median(times):6.2f} ms"
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
    from businesses.models import Membership
    from businesses.services import business_create
    from phonenumbers_app.services import phone_number_create
    from webhooks.models import WebhookDelivery
    from webhooks.services import endpoint_create

    user = User.objects.create(username="bench")
    business = business_create(name="Bench Co")
    Membership.objects.create(user=user, business=business)
    _, key = api_key_create(user=user, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    number = phone_number_create(
        acting_user=user, name="n", number="+12125550100", business=business
    )
    path = f"/phone-numbers/{number.pk}"
    print(f"database: {connection.vendor}; cores: {os.cpu_count()}; rounds: {ROUNDS}")
    measure("warm-up", client, path)
    measure("PATCH, no endpoint", client, path)
    endpoint_create(acting_user=user, business=business, url="http://127.0.0.1:9/hooks")
    measure("PATCH, 1 endpoint", client, path)
    print(f"deliveries queued: {WebhookDelivery.objects.count()}")


if __name__ == "__main__":
    main()
