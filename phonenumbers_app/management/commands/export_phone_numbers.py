"""Export phone numbers to CSV or JSON Lines, with the import's columns.

    python manage.py export_phone_numbers numbers.csv --business "Acme Roofing" \\
        --inventory-state Assigned --inventory-state "Ready for SMS" --status Active
    python manage.py export_phone_numbers - --format jsonl --warmup-state Warming

The columns are phonenumbers_app.imports.columns.COLUMNS, the ones import_phone_numbers
reads, so an export imports back unchanged. CSV cells that a spreadsheet would run as a
formula (`=...`, `+...`, `-...`, `@...`, the E.164 numbers too) start with a `'`, which the
import takes off again (core.csv_cells). Released numbers are history, not inventory,
and the import refuses them: they are left out unless --include-released is given or
--inventory-state asks for Released. The filters are the API's list filters
(phonenumbers_app.filters.PhoneNumberFilter), applied to the API's parameter names.
Rows are streamed from the database in chunks, never loaded all at once.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.http import QueryDict

from businesses.selectors import BusinessNotFound, business_by_id_or_name
from core.filtering import filter_queryset
from phonenumbers_app.exports import (
    CSV_LINE_END,
    csv_header,
    csv_record,
    export_rows,
    json_record,
)
from phonenumbers_app.filters import PhoneNumberFilter
from phonenumbers_app.imports.columns import COLUMNS
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState

FORMATS = ("csv", "jsonl")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CHUNK_SIZE = 2_000
PROGRESS_EVERY_SECONDS = 5.0
PROGRESS_CHECK_ROWS = 500  # how often the clock is read

# Command-line option (its dest) → the API's query parameter, for the options that pass
# through unchanged. Repeatable options give repeated parameters.
FILTER_PARAMS = {
    "inventory_state": "inventoryState",
    "status": "status",
    "warmup_state": "warmupState",
    "health_status": "healthStatus",
    "provider": "provider",
    "ten_dlc_campaign_status": "tenDlcCampaignStatus",
    "internal_pool": "isInternalPool",
    "default": "isDefault",
    "search": "search",
    "created_from": "createdAtFrom",
    "created_to": "createdAtTo",
    "modified_from": "modifiedAtFrom",
    "modified_to": "modifiedAtTo",
}
# API parameter → the option to name in an error message.
PARAM_OPTIONS = {
    **{param: "--" + dest.replace("_", "-") for dest, param in FILTER_PARAMS.items()},
    "businessId": "--business",
    "enabled": "--enabled/--disabled",
}


class Command(BaseCommand):
    help = (
        "Export phone numbers to CSV or JSON Lines with the columns import_phone_numbers "
        "reads, filtered like the API's list. PATH '-' writes to stdout."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="File to write (.csv or .jsonl), or '-' for stdout.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help="csv or jsonl (default: from the file's extension; csv for stdout).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help=f"Rows fetched from the database at a time (default {CHUNK_SIZE}).",
        )
        filters = parser.add_argument_group("filters (the API's list filters)")
        filters.add_argument("--business", help="A business id, or a business's exact name.")
        filters.add_argument(
            "--inventory-state", action="append", help="Inventory state (repeatable)."
        )
        filters.add_argument("--status", action="append", help="Status (repeatable).")
        filters.add_argument("--warmup-state", action="append", help="Warmup state (repeatable).")
        filters.add_argument("--health-status", action="append", help="Health status (repeatable).")
        filters.add_argument("--provider", help="Provider, exactly (telnyx, twilio, ...).")
        filters.add_argument("--ten-dlc-campaign-status", help="10DLC campaign status.")
        enabled = filters.add_mutually_exclusive_group()
        enabled.add_argument(
            "--enabled", dest="enabled", action="store_const", const="true", help="Enabled only."
        )
        enabled.add_argument(
            "--disabled",
            dest="enabled",
            action="store_const",
            const="false",
            help="Disabled only.",
        )
        filters.add_argument(
            "--internal-pool", metavar="true|false", help="Held in the internal pool or not."
        )
        filters.add_argument(
            "--default", metavar="true|false", help="A business's default number or not."
        )
        filters.add_argument(
            "--search", help="A number in any format, digits of numbers, or text of names."
        )
        filters.add_argument("--created-from", help="Created at or after (ISO 8601).")
        filters.add_argument("--created-to", help="Created at or before (ISO 8601).")
        filters.add_argument("--modified-from", help="Modified at or after (ISO 8601).")
        filters.add_argument("--modified-to", help="Modified at or before (ISO 8601).")
        filters.add_argument(
            "--include-released",
            action="store_true",
            help="Also export Released numbers (left out by default: the import does not "
            "take them back).",
        )

    def handle(self, *args, path, format, chunk_size, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        to_stdout = path == "-"
        format = format or self._format_of(path, to_stdout)
        queryset = self._queryset(options)
        # When the data goes to stdout, messages go to stderr.
        messages = self.stderr if to_stdout else self.stdout
        verbose = options["verbosity"] >= 1

        started = time.perf_counter()
        next_report = started + PROGRESS_EVERY_SECONDS
        count = 0
        rows = export_rows(queryset, chunk_size=chunk_size)
        try:
            with self._open(path, to_stdout) as out:
                write = _csv_writer(out) if format == "csv" else _jsonl_writer(out)
                for row in rows:
                    write(row)
                    count += 1
                    if (
                        verbose
                        and count % PROGRESS_CHECK_ROWS == 0
                        and time.perf_counter() >= next_report
                    ):
                        elapsed = time.perf_counter() - started
                        messages.write(
                            f"Progress: {count:,} rows written in {elapsed:.0f} s "
                            f"({count / elapsed:,.0f} rows/s)"
                        )
                        next_report = time.perf_counter() + PROGRESS_EVERY_SECONDS
        except BrokenPipeError:
            # The reader went away (`... - | head`): stop without a traceback.
            rows.close()
            if to_stdout:
                _silence_stdout()
            raise CommandError("Output closed by the reader; export stopped.") from None
        elapsed = time.perf_counter() - started
        if verbose:
            rate = count / elapsed if elapsed else 0
            target = "stdout" if to_stdout else path
            messages.write(
                f"Exported {count:,} phone numbers to {target} ({format}, {len(COLUMNS)} "
                f"columns) in {elapsed:.1f} s: {rate:,.0f} rows/s on {connection.vendor}."
            )

    @staticmethod
    def _format_of(path: str, to_stdout: bool) -> str:
        if to_stdout:
            return "csv"
        format = EXTENSIONS.get(Path(path).suffix.lower())
        if format is None:
            raise CommandError(
                f"Cannot tell the format of {path!r} from its extension; name it .csv or "
                ".jsonl, or pass --format csv|jsonl."
            )
        return format

    def _queryset(self, options):
        params = QueryDict(mutable=True)
        for dest, param in FILTER_PARAMS.items():
            value = options.get(dest)
            if value is None:
                continue
            params.setlist(param, value if isinstance(value, list) else [value])
        if options.get("enabled") is not None:
            params["enabled"] = options["enabled"]
        if options.get("business") is not None:
            params["businessId"] = str(_business_id(options["business"]))
        try:
            queryset = filter_queryset(PhoneNumberFilter, params, PhoneNumber.objects.all())
        except ValidationError as exc:
            problems = "; ".join(
                f"{PARAM_OPTIONS.get(param, param)}: {' '.join(messages)}"
                for param, messages in exc.message_dict.items()
            )
            raise CommandError(f"Invalid filter: {problems}") from None
        asked_for_released = InventoryState.RELEASED in (options.get("inventory_state") or [])
        if not (options.get("include_released") or asked_for_released):
            queryset = queryset.not_released()
        # Oldest first: an import of the file creates the numbers in the same order.
        return queryset.order_by("created_at", "id")

    @contextmanager
    def _open(self, path: str, to_stdout: bool):
        if to_stdout:
            # self.stdout (an OutputWrapper) adds line endings; write through to its stream.
            stream = getattr(self.stdout, "_out", sys.stdout)
            yield stream
            stream.flush()
            return
        # Written beside the target and renamed at the end: a failed or interrupted
        # export never leaves a half-written file under the name asked for.
        partial = f"{path}.partial"
        try:
            handle = open(partial, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from None
        try:
            with handle:
                yield handle
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests' StringIO)
        pass


def _business_id(value: str) -> uuid.UUID:
    """The id of the business `value` names (its id, or its name)."""
    try:
        return business_by_id_or_name(value=value).pk
    except BusinessNotFound as exc:
        raise CommandError(f"--business: {exc}") from None


def _csv_writer(out):
    writer = csv.writer(out, lineterminator=CSV_LINE_END)
    writer.writerow(csv_header())

    def write(row: dict) -> None:
        writer.writerow(csv_record(row))

    return write


def _jsonl_writer(out):
    def write(row: dict) -> None:
        out.write(json.dumps(json_record(row), ensure_ascii=False, separators=(",", ":")) + "\n")

    return write
