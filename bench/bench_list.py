"""Server time, SQL queries and plans of GET /phone-numbers on a large table.

Load the table first with bench/load_inventory.py, then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_list.py [--runs 20] [--explain]

Requests go through the whole Django stack in-process (middleware, API-key auth,
rate limit in the configured cache, filtering, keyset paging, rendering), so the
time is the server's own, without network or client overhead.
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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_key_create  # noqa: E402
from businesses.models import Business  # noqa: E402
from core.keyset import KeysetPage, parse_ordering  # noqa: E402
from phonenumbers_app.filters import (  # noqa: E402
    PHONE_NUMBER_DEFAULT_ORDER,
    PHONE_NUMBER_SORT_FIELDS,
)
from phonenumbers_app.models import PhoneNumber  # noqa: E402


def token_at_depth(depth: int) -> str:
    ordering = parse_ordering(
        None, allowed=PHONE_NUMBER_SORT_FIELDS, default=PHONE_NUMBER_DEFAULT_ORDER
    )
    row = PhoneNumber.objects.order_by(*ordering.order_by())[depth - 1 : depth].get()
    return KeysetPage.token_after(ordering, row)


def measure(client: Client, label: str, params: dict, runs: int, explain: bool) -> dict:
    times = []
    for _ in range(runs):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get("/phone-numbers", params)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:500]
    page_query = next(
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "phonenumbers_app_phonenumber"' in q["sql"]
    )
    plan = ""
    if explain:
        # The query that finds the page's ids (selectors.phone_number_page_rows).
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + page_query)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    items = len(response.json()["items"])
    return {
        "label": label,
        "median_ms": statistics.median(times),
        "p90_ms": sorted(times)[int(len(times) * 0.9) - 1],
        "queries": len(captured.captured_queries),
        "items": items,
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    total = PhoneNumber.objects.count()
    user, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    _, key = api_key_create(user=user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="localhost")
    # A business with Assigned numbers, for the filtered page.
    business = Business.objects.filter(phone_numbers__inventory_state="Assigned").first()
    sample = PhoneNumber.objects.order_by("number")[total // 2].number
    cases = [
        ("first page", {"pageSize": 50}),
        ("page 10,000 rows deep", {"pageSize": 50, "continuationToken": token_at_depth(10_000)}),
    ]
    if total > 500_000:
        cases.append(
            (
                "page 500,000 rows deep",
                {"pageSize": 50, "continuationToken": token_at_depth(500_000)},
            )
        )
    cases += [
        (
            "filtered: inventoryState + businessId",
            {"inventoryState": "Assigned", "businessId": str(business.pk), "pageSize": 50},
        ),
        (f"search: partial number {sample[-7:]!r}", {"search": sample[-7:], "pageSize": 50}),
        (
            f"search: full number ({sample[2:5]}) {sample[5:8]}-{sample[8:]}",
            {"search": f"({sample[2:5]}) {sample[5:8]}-{sample[8:]}", "pageSize": 50},
        ),
    ]
    print(
        f"rows: {total:,}; database: {connection.vendor}; cores: {os.cpu_count()}; "
        f"runs: {args.runs}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    measure(client, "warm-up", {"pageSize": 50}, 3, False)
    print(f"{'case':<40} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'items':>6}")
    results = [measure(client, label, params, args.runs, args.explain) for label, params in cases]
    for r in results:
        print(
            f"{r['label']:<40} {r['median_ms']:>10.2f} {r['p90_ms']:>8.2f} "
            f"{r['queries']:>8} {r['items']:>6}"
        )
    if args.explain:
        for r in results:
            print(f"\n--- {r['label']}\n{r['plan']}")


if __name__ == "__main__":
    main()
