"""Fill a PostgreSQL database with N realistic phone numbers, set-based and fast.

A thin wrapper for the benchmarks around bench/load_data, the generator of
bench/generate_load_data.py: it migrates, deletes every phone number (with its 10DLC,
billing and events, whoever made them: this is the benchmark's own database) and the
businesses of an earlier load, then loads with INSERT ... SELECT generate_series, so a
million numbers take a minute or two, not the hours a per-row ORM loop would.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/load_inventory.py --numbers 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import load_data  # noqa: E402

BUSINESSES = 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=1_000_000, help="default 1000000")
    parser.add_argument(
        "--events-per-number",
        type=int,
        default=1,
        help="events per number, 'created' first (default 1: the list benchmarks read none)",
    )
    parser.add_argument("--businesses", type=int, default=BUSINESSES, help="default 1000")
    parser.add_argument("--seed", type=int, default=0, help="default 0: the same data each run")
    parser.add_argument(
        "--large-business",
        type=int,
        default=0,
        metavar="NUMBERS",
        help="then move the numbers of the largest businesses into one until it holds about "
        "NUMBERS (default 0: no move), for the list benchmarks' large tenant",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    call_command("migrate", verbosity=0)
    try:
        result = load_data.generate(
            numbers=args.numbers,
            events_per_number=args.events_per_number,
            businesses=args.businesses,
            seed=args.seed,
            reset_all=True,
            method="sql",
            log=print,
        )
    except (ValueError, load_data.ExistingData) as exc:
        sys.exit(str(exc))
    print(f"{result.numbers:,} numbers ({result.rows:,} rows) in {result.seconds:.1f} s")
    if args.large_business:
        merge_into_one_business(args.large_business)
    else:
        # As autovacuum leaves a table in service: with its visibility map set, so
        # counts and index-only scans do not visit the heap for every row.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def merge_into_one_business(numbers: int) -> None:
    """Give the largest business about `numbers` numbers, taken from the next largest.

    The generator's skew (a few large businesses, many small ones) tops out at a few
    percent of the numbers per business; a tenant with 100,000 numbers needs more.
    Moved numbers keep their data but are no business's default (one per business).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT business_id, n FROM (SELECT business_id, count(*) AS n, "
            "sum(count(*)) OVER (ORDER BY count(*) DESC, business_id) AS total "
            "FROM phonenumbers_app_phonenumber WHERE business_id IS NOT NULL "
            "GROUP BY business_id) AS counts WHERE total - n < %s",
            [numbers],
        )
        (target, _), *donors = cursor.fetchall()
        moved = [business for business, _ in donors]
        cursor.execute(
            "UPDATE phonenumbers_app_phonenumber SET business_id = %s, is_default = false "
            "WHERE business_id = ANY(%s)",
            [target, moved],
        )
        for table in ("phonenumbers_app_billing", "phonenumbers_app_phonenumberevent"):
            cursor.execute(
                f"UPDATE {table} SET business_id = %s WHERE business_id = ANY(%s)", [target, moved]
            )
        cursor.execute(
            "SELECT count(*) FROM phonenumbers_app_phonenumber WHERE business_id = %s", [target]
        )
        print(f"business {target} now holds {cursor.fetchone()[0]:,} numbers")
        cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
