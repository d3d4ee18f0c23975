"""How fast an order of numbers is filled: the buying job (search, enter each number as
Provisioning with its event, order in batches of 50 at the simulated provider, record
the provider's ids) and then the provider's word on every number (order_number_result,
as the webhook's processing or the poll lands it: Active, with its event).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_buying.py --quantity 1000

Runs in the database it is given (migrated): it adds the numbers it buys there, in an
area code (--area-code, default 312) and leaves them. No worker, no webhook delivery:
the job and the landing are timed as the worker runs them.
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

from django.db import connection  # noqa: E402

from providers import accounts, buying  # noqa: E402
from providers.models import NumberOrderItem  # noqa: E402
from providers.orders import order_number_result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quantity", type=int, default=1000)
    parser.add_argument("--area-code", default="312")
    args = parser.parse_args()
    ask = buying.order_validate(
        provider="simulated",
        area_code=args.area_code,
        numbers=None,
        quantity=args.quantity,
        business=None,
    )
    order = buying.order_request(ask=ask, acting_user=None)
    started = time.perf_counter()
    order = buying.order_run(order.pk)
    job = time.perf_counter() - started
    items = list(order.items.filter(status=NumberOrderItem.Status.ORDERED))
    simulated = accounts.get("simulated")
    started = time.perf_counter()
    for provider_order_id in {item.provider_order_id for item in items}:
        for result in simulated.order_status(provider_order_id).numbers:
            order_number_result(
                provider="simulated",
                number=result.number,
                succeeded=result.state == "success",
                provider_order_id=provider_order_id,
                provider_phone_number_id=result.provider_phone_number_id,
                reason=result.error,
            )
    landing = time.perf_counter() - started
    order.refresh_from_db()
    count = len(items)
    print(f"database: {connection.vendor}; order {order.pk}: {order.status}, {count} numbers")
    print(f"buying job: {job:.2f} s ({count / job:.0f} numbers/s)")
    print(f"provider's word landed: {landing:.2f} s ({count / landing:.0f} numbers/s)")


if __name__ == "__main__":
    main()
