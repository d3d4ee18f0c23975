"""Fill the database with realistic inventory, fast, for the benchmarks and for demos.

    python manage.py generate_load_data --numbers 1000000 --events-per-number 5

A bulk loader: rows go in with set-based SQL on PostgreSQL and bulk_create elsewhere,
not through the per-row services; see phonenumbers_app.load_data for what it writes and
which rules the data keeps.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from phonenumbers_app import load_data


class Command(BaseCommand):
    help = (
        "Fill the database with realistic phone numbers (with their 10DLC, billing and "
        "event rows) and businesses, with bulk inserts: for benchmarks and demos. Refuses "
        "to run on a database that already has phone numbers unless --reset replaces an "
        "earlier generated load."
    )

    def add_arguments(self, parser):
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
            help="How many businesses own the assigned numbers (default: numbers / 1000, "
            "at least 1).",
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
            "earlier generate_load_data run. Without it the command refuses to run on a "
            "database that has phone numbers; with it, it still refuses when some numbers "
            "were not made by this command.",
        )
        parser.add_argument(
            "--method",
            choices=["auto", "sql", "bulk"],
            default="auto",
            help="How rows are inserted: 'sql' (PostgreSQL only: INSERT ... SELECT from "
            "generate_series), 'bulk' (bulk_create in batches, any database), or 'auto' "
            "(default: sql on PostgreSQL, bulk elsewhere).",
        )

    def handle(self, *args, numbers, events_per_number, businesses, seed, reset, method, **options):
        verbose = options["verbosity"] >= 1
        if verbose:
            self.stdout.write(
                f"Generating {numbers:,} phone numbers with {events_per_number} events each "
                f"on {connection.vendor}..."
            )
        try:
            result = load_data.generate(
                numbers=numbers,
                events_per_number=events_per_number,
                businesses=businesses,
                seed=seed,
                reset=reset,
                method=method,
                log=self.stdout.write if verbose else lambda message: None,
            )
        except (ValueError, load_data.ExistingData) as exc:
            raise CommandError(str(exc)) from None
        rate = result.rows / result.seconds if result.seconds else 0
        self.stdout.write(
            f"Generated {result.numbers:,} phone numbers, {result.ten_dlc:,} 10DLC rows, "
            f"{result.billing:,} billing rows, {result.events:,} events and "
            f"{result.businesses:,} businesses ({result.rows:,} rows) in "
            f"{result.seconds:.1f} s: {rate:,.0f} rows/s (method {result.method}, "
            f"seed {result.seed})."
        )
