"""The webhooks API as a tenant uses it, in-process with a tenant's API key:

- what the outbox adds to a write: PATCH /phone-numbers/{id} with no webhook endpoint,
  then with one endpoint subscribed to the number's business (its deliveries are queued,
  not sent: no worker runs);
- the reads, with DELIVERIES (50,000) deliveries on the tenant's endpoint: the endpoints'
  list, the deliveries' first page, a deep page (by continuation token), a state filter,
  one delivery with its payload and attempts.

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


DELIVERIES = int(os.environ.get("DELIVERIES", "50000"))


def measure(label: str, client, path: str, *, read: bool = False) -> None:
    times, queries = [], set()
    for i in range(ROUNDS):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            if read:
                response = client.get(path)
            else:
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
    endpoint, _ = endpoint_create(
        acting_user=user, business=business, url="http://127.0.0.1:9/hooks"
    )
    measure("PATCH, 1 endpoint", client, path)
    print(f"deliveries queued: {WebhookDelivery.objects.count()}")
    _fill(endpoint, number)
    base = f"/webhook-endpoints/{endpoint.pk}"
    measure("list endpoints", client, "/webhook-endpoints", read=True)
    first = client.get(f"{base}/deliveries?pageSize=50").json()
    measure("deliveries, first page", client, f"{base}/deliveries?pageSize=50", read=True)
    token = first["continuationToken"]
    for _ in range(200):  # 10,000 deliveries deep
        token = client.get(f"{base}/deliveries?pageSize=50&continuationToken={token}").json()[
            "continuationToken"
        ]
    measure(
        "deliveries, 10,000 deep",
        client,
        f"{base}/deliveries?pageSize=50&continuationToken={token}",
        read=True,
    )
    measure("deliveries, state=failed", client, f"{base}/deliveries?state=failed", read=True)
    one = first["items"][0]["id"]
    measure("one delivery", client, f"{base}/deliveries/{one}", read=True)


def _fill(endpoint, number) -> None:
    """DELIVERIES settled deliveries (one in 50 failed), each with an attempt."""
    from datetime import timedelta

    from django.utils import timezone

    from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookMessage

    now = timezone.now()
    body = '{"type": "phone_number.updated", "timestamp": "", "data": {}, "changes": []}'
    for start in range(0, DELIVERIES, 5000):
        at = [now - timedelta(seconds=DELIVERIES - i) for i in range(start, start + 5000)]
        messages = WebhookMessage.objects.bulk_create(
            [
                WebhookMessage(
                    event_type="phone_number.updated",
                    business_id=endpoint.business_id,
                    phone_number=number,
                    body=body,
                    created_at=t,
                )
                for t in at
            ]
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    message=m,
                    endpoint=endpoint,
                    state="failed" if i % 50 == 0 else "succeeded",
                    attempts=1,
                    next_attempt_at=None,
                    last_status_code=500 if i % 50 == 0 else 200,
                    created_at=m.created_at,
                )
                for i, m in enumerate(messages)
            ]
        )
        WebhookAttempt.objects.bulk_create(
            [WebhookAttempt(delivery=d, status_code=d.last_status_code) for d in deliveries]
        )
    if connection.vendor == "postgresql":  # as autovacuum would have by now
        with connection.cursor() as cursor:
            for model in (WebhookMessage, WebhookDelivery, WebhookAttempt):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    count = WebhookDelivery.objects.filter(endpoint=endpoint).count()
    print(f"deliveries on the endpoint: {count}")


if __name__ == "__main__":
    main()
