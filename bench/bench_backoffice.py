"""Server time and SQL queries of the operator pages and the admin on a large inventory.

Fill a PostgreSQL database first (bench/load_inventory.py --numbers 1000000
--events-per-number 3), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice \\
        .venv/bin/python bench/bench_backoffice.py [--runs 10] [--only admin]
        [--json after.json] [--compare before.json]

Requests run in-process through the whole Django stack as a logged-in staff user
(`sql ms`: the median of a page's query times as the client saw them; the rest is
Python and templates). Every case is one page view: the /ops dashboard, the /ops
numbers list with each filter, each sort it offers (first page and 10,000 rows
deep) and each kind of search, the phone-number admin with each list filter, each
sortable column (found in the page's own header links) and each kind of search,
and the events admin.
`--compare` adds the medians of an earlier run (e.g. on the previous commit).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.contrib import admin  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from businesses.models import Business  # noqa: E402
from core.keyset import KeysetPage, parse_ordering  # noqa: E402
from phonenumbers_app import selectors  # noqa: E402
from phonenumbers_app.filters import PHONE_NUMBER_SORT_FIELDS  # noqa: E402
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent  # noqa: E402
from phonenumbers_app.pages import number_list  # noqa: E402

OPS = "/ops/numbers/"
ADMIN = "/admin/phonenumbers_app/phonenumber/"
EVENTS = "/admin/phonenumbers_app/phonenumberevent/"
DEPTH = 10_000
SLOW_MS = 1000  # a case slower than this on its warm-up runs only 3 times
UNCACHED = "__uncached__"  # a case's marker: clear the cache before each request


class UncachedClient:
    def __init__(self, client: Client):
        self.client = client

    def get(self, *args, **kwargs):
        cache.delete(selectors.DASHBOARD_COUNTS_KEY)
        return self.client.get(*args, **kwargs)


def measure(client: Client, url: str, params: dict, runs: int) -> dict:
    params = dict(params)
    if params.pop(UNCACHED, False):
        # Each view then finds no cached counts (the dashboard's minute-old charts) and
        # counts: what one view a minute pays.
        client = UncachedClient(client)
    start = time.perf_counter()
    response = client.get(url, params)  # warm
    if (time.perf_counter() - start) * 1000 > SLOW_MS:
        runs = min(runs, 3)
    times, sql_times = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - start) * 1000)
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(times),
        "p95_ms": ordered[math.ceil(len(ordered) * 0.95) - 1],
        "sql_ms": statistics.median(sql_times),
        "queries": len(captured.captured_queries),
        "runs": runs,
        "status": response.status_code,  # shown when not 200 (e.g. a page the list refuses)
    }


def ops_sorts() -> list[str]:
    """The orderBy values the /ops list offers: its sortable columns, both ways."""
    return [f"{d}{field}" for field, _ in number_list.LIST_COLUMNS if field for d in ("", "-")]


def ops_token_at_depth(order: str) -> str:
    ordering = parse_ordering(order, allowed=PHONE_NUMBER_SORT_FIELDS, default="-createdAt")
    row = PhoneNumber.objects.order_by(*ordering.order_by())[DEPTH - 1 : DEPTH].get()
    return KeysetPage.token_after(ordering, row)


def ops_token_before(token: str) -> str:
    """The "Previous page" link's token of the page that `token` opens."""
    ordering = parse_ordering("", allowed=PHONE_NUMBER_SORT_FIELDS, default="-createdAt")
    page = KeysetPage(PhoneNumber.objects.all(), ordering=ordering, size=50, token=token)
    return page.previous_token


def admin_sorts(client: Client, url: str) -> list[str]:
    """The `o` values of the changelist's sortable column headers, both ways."""
    head = client.get(url).content.decode().split("<thead>")[1].split("</thead>")[0]
    columns = sorted({int(o) for o in re.findall(r'href="\?o=-?(\d+)', head)})
    return [f"{d}{column}" for column in columns for d in ("", "-")]


def business_sizes() -> tuple[Business, Business]:
    """The smallest business with at least 100 numbers, and the largest."""
    counts = list(
        PhoneNumber.objects.filter(business__isnull=False)
        .values_list("business_id")
        .annotate(n=Count("*"))
        .order_by("n")
    )
    small = next(b for b, n in counts if n >= 100)
    large = counts[-1][0]
    return Business.objects.get(pk=small), Business.objects.get(pk=large)


def rarest(field: str, model=PhoneNumber) -> str:
    values = (
        model.objects.exclude(**{f"{field}__isnull": True})
        .values_list(field)
        .annotate(n=Count("*"))
        .order_by("n")
    )
    return values[0][0]


def cases(client: Client) -> list[tuple[str, str, dict | Callable[[], dict]]]:
    small, large = business_sizes()
    sample = PhoneNumber.objects.exclude(inventory_state="Released").order_by("created_at")[DEPTH]
    typed = f"({sample.number[2:5]}) {sample.number[5:8]}-{sample.number[8:]}"
    area, last4 = sample.number[2:5], sample.number[-4:]
    # A word of many names ("Sales") and one whole name ("Sales 810"): common and rare.
    name_word = next((w for w in sample.name.split() if w.isalpha()), sample.name)
    business_part = large.name.split()[0]
    recent = PhoneNumber.objects.order_by("-created_at").values_list("created_at", flat=True)[DEPTH]
    found = [
        ("dashboard /ops/", "/ops/", {}),
        ("dashboard /ops/, counts not cached", "/ops/", {UNCACHED: True}),
        ("businesses index /ops/businesses/", "/ops/businesses/", {}),
        ("business page (largest business)", f"/ops/businesses/{large.pk}/", {}),
        ("ops list: needsAttention=true", OPS, {"needsAttention": "true"}),
        ("ops list: first page", OPS, {}),
        ("ops list: 10,000 rows deep", OPS, lambda: {"continuationToken": ops_token_at_depth("")}),
        (
            "ops list: previous page from 10,000 deep",
            OPS,
            lambda: {"continuationToken": ops_token_before(ops_token_at_depth(""))},
        ),
    ]
    ops_filters = [
        ("inventoryState=Assigned", {"inventoryState": "Assigned"}),
        ("inventoryState=<rarest>", {"inventoryState": rarest("inventory_state")}),
        ("status=Suspended", {"status": "Suspended"}),
        ("status=Suspended+Active", {"status": ["Suspended", "Active"]}),
        ("warmupState=Paused", {"warmupState": "Paused"}),
        ("warmupState=Paused+Blocked", {"warmupState": ["Paused", "Blocked"]}),
        ("healthStatus=Needs Attention", {"healthStatus": "Needs Attention"}),
        ("businessId (small business)", {"businessId": str(small.pk)}),
        ("businessId (largest business)", {"businessId": str(large.pk)}),
        ("enabled=false", {"enabled": "false"}),
        ("provider=bandwidth", {"provider": "bandwidth"}),
        ("tenDlcCampaignStatus=Rejected", {"tenDlcCampaignStatus": "Rejected"}),
        ("isInternalPool=true", {"isInternalPool": "true"}),
        ("isDefault=true", {"isDefault": "true"}),
        ("createdAtFrom (last 10,000)", {"createdAtFrom": recent.isoformat()}),
        ("modifiedAtFrom (last 10,000)", {"modifiedAtFrom": recent.isoformat()}),
        ("createdAtFrom=<a day> (date picker)", {"createdAtFrom": f"{recent:%Y-%m-%d}"}),
        ("released=show", {"released": "show"}),
        ("business typed by name (small)", {"business": small.name}),
        ("business typed by name (largest)", {"business": large.name}),
        ("business typed, part of a name", {"business": business_part}),
    ]
    found += [(f"ops list: {label}", OPS, params) for label, params in ops_filters]
    for order in ops_sorts():
        found.append((f"ops list: orderBy={order}", OPS, {"orderBy": order}))
        found.append(
            (
                f"ops list: orderBy={order}, 10,000 deep",
                OPS,
                # Built only if the case runs: finding the row is slow where the sort is.
                lambda order=order: {
                    "orderBy": order,
                    "continuationToken": ops_token_at_depth(order),
                },
            )
        )
    searches = [
        (f"full number {typed}", typed),
        (f"area code {area}", area),
        (f"last 4 digits {last4}", last4),
        (f"name word {name_word!r}", name_word),
        (f"whole name {sample.name!r}", sample.name),
        (f"business name {business_part!r}", business_part),
    ]
    found += [(f"ops list: search {label}", OPS, {"search": term}) for label, term in searches]
    found += [
        ("admin: first page", ADMIN, {}),
        ("admin: page 200", ADMIN, {"p": 200}),
    ]
    admin_filters = [
        ("inventory_state=Assigned", {"inventory_state__exact": "Assigned"}),
        ("inventory_state=<rarest>", {"inventory_state__exact": rarest("inventory_state")}),
        ("status=Suspended", {"status__exact": "Suspended"}),
        ("warmup_state=Paused", {"warmup_state__exact": "Paused"}),
        ("health_status=Blocked", {"health_status__exact": "Blocked"}),
        ("business by name (small)", {"business": small.name}),
        ("business by id (largest)", {"business": str(large.pk)}),
        ("provider=bandwidth", {"provider": "bandwidth"}),
        ("campaign_status=Rejected", {"campaign_status": "Rejected"}),
        ("enabled=no", {"enabled__exact": "0"}),
        ("is_internal_pool=yes", {"is_internal_pool__exact": "1"}),
        ("is_preferred=yes", {"is_preferred__exact": "1"}),
        ("is_default=yes", {"is_default__exact": "1"}),
        ("old date link: year (302 to a range)", {"created_at__year": recent.year}),
        (
            "old date link: month (302)",
            {"created_at__year": recent.year, "created_at__month": recent.month},
        ),
        (
            "old date link: day (302)",
            {
                "created_at__year": recent.year,
                "created_at__month": recent.month,
                "created_at__day": recent.day,
            },
        ),
    ]
    day = {
        "created_at__gte": recent.date().isoformat(),
        "created_at__lt": (recent.date() + datetime.timedelta(days=1)).isoformat(),
    }
    admin_filters += [("created: one day typed (from, before)", day)]
    found += [(f"admin: {label}", ADMIN, params) for label, params in admin_filters]
    for order in admin_sorts(client, ADMIN):
        found.append((f"admin: o={order}", ADMIN, {"o": order}))
        found.append((f"admin: o={order}, page 200", ADMIN, {"o": order, "p": 200}))
    found += [(f"admin: search {label}", ADMIN, {"q": term}) for label, term in searches]
    found.append((f"admin: search part {sample.number[5:10]}", ADMIN, {"q": sample.number[5:10]}))
    rare_type = rarest("type", PhoneNumberEvent)
    # A page about DEPTH events deep, whatever the admin's page size.
    events_per_page = admin.site._registry[PhoneNumberEvent].list_per_page
    events_deep = DEPTH // events_per_page
    found += [
        ("events admin: first page", EVENTS, {}),
        (
            f"events admin: page {events_deep} ({events_per_page} a page)",
            EVENTS,
            {"p": events_deep},
        ),
        ("events admin: type=created", EVENTS, {"type__exact": "created"}),
        (f"events admin: type={rare_type} (rarest)", EVENTS, {"type__exact": rare_type}),
        ("events admin: actor_is_staff=yes", EVENTS, {"actor_is_staff__exact": "1"}),
        ("events admin: created: one day typed (from, before)", EVENTS, day),
        ("events admin: old date link: year (302)", EVENTS, {"created_at__year": recent.year}),
        (
            "events admin: old date link: day (302)",
            EVENTS,
            {
                "created_at__year": recent.year,
                "created_at__month": recent.month,
                "created_at__day": recent.day,
            },
        ),
    ]
    for order in admin_sorts(client, EVENTS):
        found.append((f"events admin: o={order}", EVENTS, {"o": order}))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", help="run only the cases whose label contains this text")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--compare", help="a --json file of an earlier run: show its medians")
    args = parser.parse_args()
    # The pages link their static files through the manifest (a fresh checkout has none).
    call_command("collectstatic", interactive=False, verbosity=0)
    staff, _ = User.objects.get_or_create(
        username="bench-operator", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    before = json.loads(Path(args.compare).read_text()) if args.compare else {}
    print(
        f"numbers: {PhoneNumber.objects.count():,}; events: {PhoneNumberEvent.objects.count():,};"
        f" database: {connection.vendor}; cores: {os.cpu_count()}; runs: {args.runs}"
    )
    header = f"{'case':<62} {'median ms':>9} {'p95 ms':>8} {'sql ms':>7} {'queries':>7}"
    print(header + (f" {'before ms':>9}" if before else ""))
    results = {}
    for label, url, params in cases(client):
        if args.only and args.only not in label:
            continue
        result = measure(client, url, params() if callable(params) else params, args.runs)
        results[label] = result
        line = (
            f"{label[:62]:<62} {result['median_ms']:>9.1f} {result['p95_ms']:>8.1f}"
            f" {result['sql_ms']:>7.1f} {result['queries']:>7}"
        )
        if result["status"] != 200:
            line += f" (HTTP {result['status']})"
        if before:
            earlier = before.get(label)
            line += f" {earlier['median_ms']:>9.1f}" if earlier else f" {'—':>9}"
        print(line, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
