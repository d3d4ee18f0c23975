"""The bulk_create path (any database, SQLite in the tests and the demo)."""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.load_data.columns import (
    BILLING_COLUMNS,
    NUMBER_COLUMNS,
    TEN_DLC_COLUMNS,
    Ctx,
    event_values,
)
from bench.load_data.plan import Plan
from bench.load_data.vocabulary import BATCH_SIZE
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc

# --- bulk_create path ---------------------------------------------------------------


def load_bulk(plan: Plan, log: Callable[[str], None]) -> None:
    started = time.perf_counter()
    defaults: set[int] = set()
    report_every = max(BATCH_SIZE, plan.numbers // 10)
    for first in range(0, plan.numbers, BATCH_SIZE):
        numbers, ten_dlc, billing, events = [], [], [], []
        for i in range(first, min(plan.numbers, first + BATCH_SIZE)):
            row = plan.row(i)
            profile = plan.profiles[row["pid"]]
            business = plan.business_rows[row["bidx"]] if row["bidx"] is not None else None
            ctx = Ctx(plan, row, profile, business, plan.blocks[row["block"]])
            values = {name: col.py(ctx) for name, col in NUMBER_COLUMNS.items()}
            if profile.may_be_default and row["bidx"] not in defaults:
                defaults.add(row["bidx"])
                values["is_default"] = True
            numbers.append(PhoneNumber(**values))
            ten_dlc.append(TenDlc(**{n: c.py(ctx) for n, c in TEN_DLC_COLUMNS.items()}))
            billing.append(Billing(**{n: c.py(ctx) for n, c in BILLING_COLUMNS.items()}))
            events += [
                PhoneNumberEvent(**event_values(plan, ctx, t)) for t in plan.templates[profile.pid]
            ]
        PhoneNumber.objects.bulk_create(numbers, batch_size=BATCH_SIZE)
        TenDlc.objects.bulk_create(ten_dlc, batch_size=BATCH_SIZE)
        Billing.objects.bulk_create(billing, batch_size=BATCH_SIZE)
        PhoneNumberEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        done = first + len(numbers)
        if done % report_every < BATCH_SIZE or done == plan.numbers:
            log(
                f"  numbers with 10DLC, billing and events: {done:,} of {plan.numbers:,} "
                f"in {time.perf_counter() - started:.1f} s"
            )
