"""Server time of every kind of GET /phone-numbers page, for staff and for two tenants.

Each case (first page, a page 10,000 rows deep, each filter, rare combinations of
state filters, each orderBy both ways, each kind of search) runs for three callers:
staff, a tenant whose business holds about 300 numbers and one whose business holds
about 100,000. Load the data first (the large business needs --large-business):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/load_inventory.py --numbers 1000000 --large-business 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_lists.py [--runs 11] [--only staff] [--case sort]

Requests go through the whole Django stack in-process (middleware, API-key auth, rate
limit in the configured cache, filtering, keyset paging, rendering), so the time is the
server's own, without network or client overhead; `sql ms` is the part spent waiting for
the database (Django's own timing of each statement). `queries` counts every statement
of the request (the rate limit's cache queries included when the cache is the database).
A case slower than a second runs once. A 503/504 answer (the statement
timeout) is reported as such instead of a time.
"""

from __future__ import annotations

import argparse
import json
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
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_key_create  # noqa: E402
from businesses.models import Business, Membership  # noqa: E402
from core.keyset import KeysetPage, parse_ordering  # noqa: E402
from phonenumbers_app import selectors  # noqa: E402
from phonenumbers_app.filters import (  # noqa: E402
    PHONE_NUMBER_DEFAULT_ORDER,
    PHONE_NUMBER_SORT_FIELDS,
)
from phonenumbers_app.models import PhoneNumber  # noqa: E402

DEPTH = 10_000
SLOW_MS = 1000
SORTS = [
    "createdAt",
    "modifiedAt",
    "name",
    "number",
    "warmupHealthScore",
    "warmupProgressPercent",
    # Removed by the index diet (filters.PHONE_NUMBER_SORT_FIELDS); measured where offered.
    "inventoryState",
    "status",
    "warmupState",
    "healthStatus",
]


def caller(username: str, *, staff: bool = False, business: Business | None = None) -> Client:
    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
    if business is not None:
        Membership.objects.get_or_create(user=user, business=business)
    _, key = api_key_create(user=user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="localhost")
    client.user = user
    return client


def business_near(numbers: int) -> tuple[Business, int]:
    """The business whose count of numbers is closest to `numbers`."""
    counts = (
        PhoneNumber.objects.filter(business__isnull=False)
        .values_list("business_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    business_id, n = min(counts, key=lambda row: abs(row[1] - numbers))
    return Business.objects.get(pk=business_id), n


def token_at_depth(user: User, depth: int) -> str:
    """A continuation token `depth` rows into the caller's list in the default order."""
    ordering = parse_ordering(
        None, allowed=PHONE_NUMBER_SORT_FIELDS, default=PHONE_NUMBER_DEFAULT_ORDER
    )
    visible = selectors.phone_number_visible_to(user=user).order_by(*ordering.order_by())
    row = visible[depth - 1 : depth].get()
    return KeysetPage.token_after(ordering, row)


def cases(client: Client, total: int, own: Business | None, sample: PhoneNumber) -> list:
    depth = min(DEPTH, total - 60)
    found = [
        ("first page", {}),
        (f"page {depth:,} rows deep", {"continuationToken": token_at_depth(client.user, depth)}),
        ("inventoryState=Assigned", {"inventoryState": "Assigned"}),
        ("status=Active", {"status": "Active"}),
        ("warmupState=Warming", {"warmupState": "Warming"}),
        ("healthStatus=Healthy", {"healthStatus": "Healthy"}),
        ("enabled=false", {"enabled": "false"}),
        ("provider=twilio", {"provider": "twilio"}),
        ("tenDlcCampaignStatus=Approved", {"tenDlcCampaignStatus": "Approved"}),
        ("isInternalPool=true", {"isInternalPool": "true"}),
        ("isDefault=true", {"isDefault": "true"}),
        ("createdAt one month", {"createdAtFrom": "2026-03-01", "createdAtTo": "2026-03-31"}),
        ("modifiedAtFrom", {"modifiedAtFrom": "2026-09-01"}),
        (
            "rare: inventory Suspended+status Active",
            {"inventoryState": "Suspended", "status": "Active"},
        ),
        ("rare: status Suspended|Expired", {"status": ["Suspended", "Expired"]}),
        (
            "rare: warmup Paused+health Blocked",
            {"warmupState": "Paused", "healthStatus": "Blocked"},
        ),
        (
            "rare: Restricted+Suspended+Blocked",
            {"inventoryState": "Restricted", "status": "Suspended", "healthStatus": "Blocked"},
        ),
    ]
    if own is not None:
        found.append(("businessId (own)", {"businessId": str(own.pk)}))
    for sort in SORTS:
        if sort in PHONE_NUMBER_SORT_FIELDS:
            found += [(f"orderBy={sort}", {"orderBy": sort})]
            found += [(f"orderBy=-{sort}", {"orderBy": f"-{sort}"})]
    number = sample.number
    found += [
        ("search: full number", {"search": f"({number[2:5]}) {number[5:8]}-{number[8:]}"}),
        (f"search: area code {number[2:5]}", {"search": number[2:5]}),
        (f"search: last 4 digits {number[-4:]}", {"search": number[-4:]}),
        ("search: name 'sales'", {"search": "sales"}),
    ]
    return found


def explain_ms(sql: str) -> float:
    """PostgreSQL's own execution time of `sql` (EXPLAIN ANALYZE), without the client's."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Execution Time"]


def measure(client: Client, params: dict, runs: int, explain: bool = False) -> dict:
    times, sql_times = [], []
    status = None
    for run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get("/phone-numbers", {"pageSize": 50, **params})
            elapsed = (time.perf_counter() - start) * 1000
        status = response.status_code
        if status != 200:
            break
        times.append(elapsed)
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        if run == 0 and elapsed > SLOW_MS:
            runs = 1  # a case this slow says enough in one run; the whole table takes less
        if len(times) >= runs:
            break
    if not times:
        return {"status": status, "queries": len(captured.captured_queries)}
    ordered = sorted(times)
    page_sql = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "phonenumbers_app_phonenumber"' in q["sql"]
    ]
    return {
        "status": status,
        "median": statistics.median(times),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "sql": statistics.median(sql_times),
        "explain": explain_ms(page_sql[0]) if explain and page_sql else None,
        "queries": len(captured.captured_queries),
        "items": len(response.json()["items"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--only", choices=["staff", "tenant-300", "tenant-100k"])
    parser.add_argument("--case", help="only cases whose label contains this text")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="add the database's own time of the page query (the first on the numbers "
        "table: the page's ids) by EXPLAIN ANALYZE",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database loaded by bench/load_inventory.py")

    total = PhoneNumber.objects.count()
    small, small_n = business_near(300)
    large, large_n = business_near(100_000)
    sample = PhoneNumber.objects.filter(business=small).order_by("number").first()
    callers = {
        "staff": (caller("bench-staff", staff=True), total, None),
        "tenant-300": (caller("bench-tenant-small", business=small), small_n, small),
        "tenant-100k": (caller("bench-tenant-large", business=large), large_n, large),
    }
    print(
        f"rows: {total:,}; tenants' businesses: {small_n:,} and {large_n:,} numbers; "
        f"cores: {os.cpu_count()}; runs: {args.runs} (1 when slower than {SLOW_MS} ms)"
    )
    print(
        f"{'caller':<12} {'case':<42} {'median ms':>10} {'p95 ms':>8} {'sql ms':>7} "
        f"{'queries':>8} {'items':>6}" + (f" {'page query ms':>14}" if args.explain else "")
    )
    for name, (client, count, own) in callers.items():
        if args.only and name != args.only:
            continue
        measure(client, {}, 3)  # warm-up: connection, caches, first plans
        for label, params in cases(client, count, own, sample):
            if args.case and args.case not in label:
                continue
            r = measure(client, params, args.runs, args.explain)
            if r["status"] != 200:
                print(f"{name:<12} {label:<42} {'HTTP ' + str(r['status']):>10}")
                continue
            print(
                f"{name:<12} {label:<42} {r['median']:>10.1f} {r['p95']:>8.1f} "
                f"{r['sql']:>7.1f} {r['queries']:>8} {r['items']:>6}"
                + (f" {r['explain']:>14.2f}" if r["explain"] is not None else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
