"""How long reconciling a provider account of N numbers takes, and how many queries.

Stocks the simulated provider with N numbers (SimulatedNumber rows, bulk-created) and
the inventory with their rows, then some differences: 1% of the numbers only at the
provider (unknown), 1% only in the inventory (gone), 0.5% with another messaging
profile (mismatch). Then times `providers.reconciliation.reconcile("simulated")`
(the provider's pages included: the simulated provider reads its stock 100 numbers a
page, as a real provider's API pages) and the comparison alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_reconcile \\
        .venv/bin/python bench/bench_reconcile.py [--numbers 50000] [--runs 3]

It deletes the simulated provider's stock, the inventory's "simulated" numbers and the
reconciliation reports first: run it on a benchmark database only.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from phonenumbers_app.models import Billing, PhoneNumber, TenDlc  # noqa: E402
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus  # noqa: E402
from providers import accounts  # noqa: E402
from providers.base import OwnedNumber, OwnedPage  # noqa: E402
from providers.models import ReconciliationReport, SimulatedNumber  # noqa: E402
from providers.reconciliation import compare, counts_by_kind, reconcile  # noqa: E402

NAME = accounts.SIMULATED
BATCH = 5000


class StockProvider:
    """Pages through SimulatedNumber as the simulated provider does (providers/simulated.py,
    PAGE_SIZE 100 by number); used only where that module is not there yet."""

    name = NAME
    page_size = 100

    def owned(self, cursor: str | None = None) -> OwnedPage:
        rows = SimulatedNumber.objects.order_by("number")
        if cursor:
            rows = rows.filter(number__gt=cursor)
        page = list(rows[: self.page_size + 1])
        more = len(page) > self.page_size
        page = page[: self.page_size]
        return OwnedPage(
            numbers=tuple(
                OwnedNumber(
                    number=row.number,
                    provider_phone_number_id=row.provider_phone_number_id,
                    status=row.status,
                    messaging_profile_id=row.messaging_profile_id or None,
                    campaign_id=row.campaign_id or None,
                )
                for row in page
            ),
            next_cursor=page[-1].number if more else None,
        )


def provider():
    try:
        return accounts.get(NAME), "providers.simulated"
    except ImportError:
        stand_in = StockProvider()
        accounts._build.cache_clear()
        accounts._build = lambda name, key: stand_in
        return stand_in, "bench stand-in (providers/simulated.py not there yet)"


def stock(n: int) -> None:
    """N numbers at the provider; the inventory's rows for 99% of them, 1% gone."""
    ReconciliationReport.objects.all().delete()
    SimulatedNumber.objects.all().delete()
    PhoneNumber.objects.filter(provider=NAME).delete()
    unknown_every, gone_every, mismatch_every = 100, 100, 200
    at_provider, numbers = [], []
    for i in range(n):
        number, provider_id = f"+1312{i:07d}", f"sim-{i:08d}"
        at_provider.append(
            SimulatedNumber(
                number=number,
                provider_phone_number_id=provider_id,
                order_id="bench",
                status="active",
                messaging_profile_id="mp-bench",
            )
        )
        if i % unknown_every == 1:
            continue  # only at the provider
        numbers.append(
            PhoneNumber(
                number=number,
                name=number,
                provider=NAME,
                provider_phone_number_id=provider_id,
                inventory_state=InventoryState.AVAILABLE,
                status=PhoneNumberStatus.ACTIVE,
                routing_messaging_profile_id="mp-other" if i % mismatch_every == 2 else None,
            )
        )
    for i in range(n // gone_every):  # only in the inventory
        number = f"+1313{i:07d}"
        numbers.append(
            PhoneNumber(
                number=number,
                name=number,
                provider=NAME,
                provider_phone_number_id=f"sim-gone-{i:08d}",
                inventory_state=InventoryState.AVAILABLE,
                status=PhoneNumberStatus.ACTIVE,
            )
        )
    with transaction.atomic():
        SimulatedNumber.objects.bulk_create(at_provider, batch_size=BATCH)
        PhoneNumber.objects.bulk_create(numbers, batch_size=BATCH)
        TenDlc.objects.bulk_create([TenDlc(phone_number=p) for p in numbers], batch_size=BATCH)
        Billing.objects.bulk_create([Billing(phone_number=p) for p in numbers], batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=50_000, help="default 50000")
    parser.add_argument("--runs", type=int, default=3, help="default 3")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    account, which = provider()
    started = time.perf_counter()
    stock(args.numbers)
    print(f"stocked {args.numbers:,} numbers in {time.perf_counter() - started:.1f} s ({which})")
    print(f"inventory: {PhoneNumber.objects.count():,} numbers; database: {connection.vendor}")

    compared, whole = [], []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            comparison = compare(NAME, account)
            compared.append(time.perf_counter() - started)
        compare_queries = len(queries)
        inventory_queries = sum(
            "phonenumbers_app_phonenumber" in q["sql"]
            and "providers_simulatednumber" not in q["sql"]
            for q in queries.captured_queries
        )
        started = time.perf_counter()
        reconciled = reconcile(NAME)
        whole.append(time.perf_counter() - started)
    report = reconciled.report
    print(
        f"comparison: median {statistics.median(compared):.2f} s over {args.runs} runs; "
        f"{compare_queries} queries ({inventory_queries} of the inventory, the rest the "
        f"provider's pages); {len(comparison.findings):,} findings"
    )
    print(
        f"reconcile (comparison, findings written, report): median "
        f"{statistics.median(whole):.2f} s; {counts_by_kind(report)}; "
        f"at the provider {report.at_provider:,}, in the inventory {report.in_inventory:,}, "
        f"matched {report.matched:,}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
