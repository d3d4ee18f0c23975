"""The entry point: generate() checks, resets and loads in one transaction."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from bench.load_data.bulk import load_bulk
from bench.load_data.columns import check_specs
from bench.load_data.plan import ExistingData, Plan, Result, phase
from bench.load_data.sql import load_sql
from bench.load_data.vocabulary import (
    BATCH_SIZE,
    DEMO_USERNAME,
    KIND_BUSINESS,
    KIND_NUMBER,
    MAX_BUSINESSES,
    MAX_EVENTS_PER_NUMBER,
    MAX_NUMBERS,
    generated_range,
)
from businesses.models import Business
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc


def generate(
    *,
    numbers: int,
    events_per_number: int = 5,
    businesses: int | None = None,
    seed: int | None = None,
    reset: bool = False,
    reset_all: bool = False,
    method: str = "auto",
    now: datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> Result:
    """Load `numbers` numbers with their 10DLC, billing and `events_per_number` events.

    - `businesses`: default about numbers / 1000, at least 1.
    - `reset`: first delete what an earlier run generated. Without it, any phone number
      (or generated business) in the database raises ExistingData; with it, numbers
      made otherwise still do: generated data is never mixed with real data.
    - `reset_all`: first delete every phone number with its rows, generated or not (and
      the generated businesses), as the benchmarks do on their own database.
    - `method`: "sql" (PostgreSQL, set-based), "bulk" (bulk_create, any database) or
      "auto" (sql on PostgreSQL).
    The deletion and the whole load are one transaction: a failure changes nothing.
    """
    if not 1 <= numbers <= MAX_NUMBERS:
        raise ValueError(f"numbers must be from 1 to {MAX_NUMBERS:,}")
    if not 1 <= events_per_number <= MAX_EVENTS_PER_NUMBER:
        raise ValueError(f"events per number must be from 1 to {MAX_EVENTS_PER_NUMBER}")
    if businesses is None:
        businesses = max(1, round(numbers / 1000))
    if not 1 <= businesses <= MAX_BUSINESSES:
        raise ValueError(f"businesses must be from 1 to {MAX_BUSINESSES:,}")
    postgres = connection.vendor == "postgresql"
    if method == "auto":
        method = "sql" if postgres else "bulk"
    if method == "sql" and not postgres:
        raise ValueError("the set-based SQL method needs PostgreSQL; use bulk")
    if method not in ("sql", "bulk"):
        raise ValueError(f"unknown method {method!r}")
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 31)
    check_specs()

    started = time.perf_counter()
    with transaction.atomic():
        _check_existing(reset=reset or reset_all, everything=reset_all, log=log)
        plan = phase(
            log,
            "plan (area codes, exchanges, profiles)",
            None,
            lambda: Plan(
                numbers=numbers,
                events_per_number=events_per_number,
                businesses=businesses,
                seed=seed,
                now=now or timezone.now(),
            ),
        )
        user = _demo_user(plan)
        plan.use_actor(user.pk, user.display_name)
        phase(log, "businesses", businesses, lambda: _insert_businesses(plan))
        if method == "sql":
            load_sql(plan, log)
        else:
            load_bulk(plan, log)
        committing = time.perf_counter()
    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at COMMIT.
    log(f"  commit (foreign-key checks): in {time.perf_counter() - committing:.1f} s")
    if postgres:
        tables = [Business, PhoneNumber, TenDlc, Billing, PhoneNumberEvent]
        phase(log, "ANALYZE", None, lambda: _analyze(tables))
    return Result(
        businesses=businesses,
        numbers=numbers,
        ten_dlc=numbers,
        billing=numbers,
        events=numbers * events_per_number,
        seconds=time.perf_counter() - started,
        method=method,
        seed=seed,
    )


def _check_existing(*, reset: bool, everything: bool, log: Callable[[str], None]) -> None:
    total = PhoneNumber.objects.count()
    generated = PhoneNumber.objects.filter(pk__range=generated_range(KIND_NUMBER)).count()
    generated_businesses = Business.objects.filter(pk__range=generated_range(KIND_BUSINESS))
    if not reset:
        if total:
            raise ExistingData(
                f"The database already holds {total:,} phone numbers "
                f"({generated:,} of them from an earlier generated load); refusing to "
                "add generated data to them. Pass --reset to replace an earlier generated "
                "load, or use an empty database."
            )
        if generated_businesses.exists():
            raise ExistingData(
                "The database holds businesses of an earlier generated load; pass "
                "--reset to replace them."
            )
        return
    if total > generated and not everything:
        raise ExistingData(
            f"--reset replaces only what generate_load_data made, but {total - generated:,} "
            f"of the {total:,} phone numbers in the database were made otherwise; refusing to "
            "mix generated data with them. Use an empty database."
        )
    started = time.perf_counter()
    delete_inventory()
    businesses, _ = generated_businesses.delete()
    if total or businesses:
        log(
            f"  reset: {total:,} numbers with their rows, and the generated "
            f"businesses, deleted in {time.perf_counter() - started:.1f} s"
        )


def delete_inventory() -> None:
    """Delete every number, 10DLC, billing row and event (all generated, unless reset_all).

    TRUNCATE on PostgreSQL unless another model refers to these tables, DELETE otherwise
    (events first: they are append-only for the ORM, and PROTECT their number).
    """
    models = [PhoneNumberEvent, TenDlc, Billing, PhoneNumber]
    referring = {
        rel.related_model for model in models for rel in model._meta.related_objects
    } - set(models)
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not referring:
            try:
                with transaction.atomic():
                    cursor.execute(f"TRUNCATE {', '.join(tables)}")
                return
            except OperationalError:
                # Rows written earlier in this same transaction still have deferred
                # foreign-key checks pending (a load and a reset in one test, say).
                pass
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _demo_user(plan: Plan):
    """The actor of generated events (a staff user without a usable password)."""
    user_model = get_user_model()
    user = user_model.objects.filter(pk=plan.user_id).first()
    if user is None:
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = user_model(
            id=plan.user_id,
            username=DEMO_USERNAME,
            first_name="Demo",
            last_name="Operator",
            is_staff=True,
        )
        user.set_unusable_password()
        user.save()
    return user


def _insert_businesses(plan: Plan) -> None:
    Business.objects.bulk_create(
        [
            Business(id=b["id"], name=b["name"], created_at=b["created_at"])
            for b in plan.business_rows
        ],
        batch_size=BATCH_SIZE,
    )


def _analyze(models: list) -> None:
    with connection.cursor() as cursor:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        cursor.execute(f"ANALYZE {tables}")
