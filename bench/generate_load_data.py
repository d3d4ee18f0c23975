"""Fill a database with realistic inventory, fast, for the benchmarks (was `manage.py
generate_load_data`; benchmark tooling stays out of the app).

    .venv/bin/python bench/generate_load_data.py --numbers 1000000 --events-per-number 5

A bulk loader: rows go in with set-based SQL on PostgreSQL and bulk_create elsewhere,
not through the per-row services; see bench/load_data for what it writes and which rules
the data keeps. DATABASE_URL picks the database, as for manage.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    from bench import load_data

    parser = argparse.ArgumentParser(
        description="Fill the database with realistic phone numbers (with their 10DLC, "
        "billing and event rows) and businesses, with bulk inserts. Refuses to run on a "
        "database that already has phone numbers unless --reset replaces an earlier "
        "generated load."
    )
    parser.add_argument(
        "--numbers",
        type=int,
        default=10_000,
        help=f"How many phone numbers to create (default 10000, at most "
        f"{load_data.MAX_NUMBERS:,}).",
    )
    parser.add_argument(
        "--events-per-number",
        type=int,
        default=5,
        help="How many events each number gets, its 'created' event first (default 5, "
        f"1 to {load_data.MAX_EVENTS_PER_NUMBER}).",
    )
    parser.add_argument(
        "--businesses",
        type=int,
        default=None,
        help="How many businesses own the assigned numbers (default: numbers / 1000, at least 1).",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="Seed of the generator: the same seed gives the same data (default: a "
        "random seed, printed in the summary).",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="First delete the numbers, events, 10DLC, billing rows and businesses of an "
        "earlier generated load. Without it the script refuses to run on a database that "
        "has phone numbers; with it, it still refuses when some numbers were not made by "
        "this generator.",
    )
    parser.add_argument(
        "--method",
        choices=["auto", "sql", "bulk"],
        default="auto",
        help="How rows are inserted: 'sql' (PostgreSQL only: INSERT ... SELECT from "
        "generate_series), 'bulk' (bulk_create in batches, any database), or 'auto' "
        "(default: sql on PostgreSQL, bulk elsewhere).",
    )
    parser.add_argument("--quiet", action="store_true", help="Print only the summary.")
    return parser


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> None:
    """Load as the arguments say; SystemExit with the reason when the load is refused."""
    from django.db import connection

    from bench import load_data

    args = parser().parse_args(argv)
    if not args.quiet:
        out(
            f"Generating {args.numbers:,} phone numbers with {args.events_per_number} events "
            f"each on {connection.vendor}..."
        )
    try:
        result = load_data.generate(
            numbers=args.numbers,
            events_per_number=args.events_per_number,
            businesses=args.businesses,
            seed=args.seed,
            reset=args.reset,
            method=args.method,
            log=(lambda message: None) if args.quiet else out,
        )
    except (ValueError, load_data.ExistingData) as exc:
        raise SystemExit(str(exc)) from None
    rate = result.rows / result.seconds if result.seconds else 0
    out(
        f"Generated {result.numbers:,} phone numbers, {result.ten_dlc:,} 10DLC rows, "
        f"{result.billing:,} billing rows, {result.events:,} events and "
        f"{result.businesses:,} businesses ({result.rows:,} rows) in "
        f"{result.seconds:.1f} s: {rate:,.0f} rows/s (method {result.method}, "
        f"seed {result.seed})."
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    main()
