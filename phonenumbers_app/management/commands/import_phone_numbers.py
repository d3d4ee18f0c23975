"""Import phone numbers from a CSV or JSON Lines file, fast, validated and resumable.

    python manage.py import_phone_numbers examples/phone-numbers.csv --errors errors.csv
    python manage.py import_phone_numbers - --format jsonl < numbers.jsonl

Columns are the API's names (camelCase or snake_case): see phonenumbers_app.imports.columns.
A CSV cell that export_phone_numbers quoted against spreadsheet formulas (`'=...`,
`'+14155552671`) has its one leading `'` taken off before it is read (core.csv_cells).
Every row is validated like the API; invalid rows go to the error report and do not stop
the import, but the command then exits non-zero. Rows are written in batches, each in
one transaction; running the same file again (after a crash or kill -9) skips what is
already there, so it ends where one clean run would.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from core.csv_cells import neutralize_csv_cell, restore_csv_cell
from core.metrics import IMPORT_ROWS
from phonenumbers_app.imports.reader import ImportFileError, open_source
from phonenumbers_app.imports.service import ON_CONFLICT, ImportConflict, Importer
from phonenumbers_app.imports.validate import Businesses, RowError, Validator, parse_chunk

PLAIN_PROGRESS_SECONDS = 5.0
DEFAULT_WORKERS = 1  # with the main process: both cores of a 2-core machine
CHUNK_ROWS = 1000
IN_FLIGHT_CHUNKS = 16  # parsed ahead, so workers keep going while a batch is written
ERRORS_SHOWN = 20
WRITER_THREADS = 2  # PostgreSQL connections writing batches side by side


@contextlib.contextmanager
def fewer_garbage_collections() -> Iterator[None]:
    """Collect garbage less often while rows stream through.

    Every row makes a few dozen short-lived lists and dicts, which would start a
    collection every few rows, each one walking the long-lived objects of Django and
    the import again. Those are frozen out of collections and young objects collected
    in larger groups: about a quarter less CPU per row, memory unchanged.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def parsed_rows(rows: Iterator, workers: int) -> Iterator[tuple]:
    """(row, values, original, parse_cells result), in file order.

    With workers, chunks of rows are parsed (E.164 normalisation is most of the cost) in
    worker processes while this one validates and writes. Only the cells go to a worker
    and only their parsed values come back (the original rows stay here); at most
    IN_FLIGHT_CHUNKS chunks are out, so memory stays flat. Workers never touch the
    database.
    """
    if workers <= 0 or sys.platform == "win32":
        for chunk in _chunks(rows, CHUNK_ROWS):
            yield from _joined(chunk, parse_chunk([values for _, values, _ in chunk]))
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque = deque()
        for chunk in _chunks(rows, CHUNK_ROWS):
            cells = [values for _, values, _ in chunk]
            pending.append((chunk, pool.apply_async(parse_chunk, (cells,))))
            if len(pending) >= IN_FLIGHT_CHUNKS:
                chunk, result = pending.popleft()
                yield from _joined(chunk, result.get())
        while pending:
            chunk, result = pending.popleft()
            yield from _joined(chunk, result.get())


def _joined(chunk: list, results: list) -> Iterator[tuple]:
    for (row, values, original), cells in zip(chunk, results, strict=True):
        yield row, values, original, cells


class BatchWriter:
    """Writes batches through the importer; on PostgreSQL, in `threads` other threads.

    Each thread has its own connection and writes one batch (mostly waiting on the
    database, which releases the GIL) while this thread reads and validates the next:
    with two, PostgreSQL checks one batch's foreign keys at commit while the other's
    rows stream in. Each batch is still one transaction, and at most `threads` are in
    flight. Not used inside an outer transaction (tests), where another connection would
    not see its data.
    """

    def __init__(self, importer: Importer, *, threads: int):
        self.importer = importer
        # One single-thread executor per connection, so that each can close its own.
        self.executors = [ThreadPoolExecutor(max_workers=1) for _ in range(threads)]
        self.pending: deque[Future] = deque()
        self.turn = 0

    @property
    def busy(self) -> bool:
        return bool(self.pending)

    def submit(self, batch: list) -> list[RowError]:
        if not self.executors:
            return self.importer.write(batch)
        errors = self.pending.popleft().result() if len(self.pending) >= len(self.executors) else []
        executor = self.executors[self.turn % len(self.executors)]
        self.turn += 1
        self.pending.append(executor.submit(self.importer.write, batch))
        return errors

    def finish(self) -> list[RowError]:
        errors: list[RowError] = []
        try:
            while self.pending:
                errors += self.pending.popleft().result()
            return errors
        finally:
            self.pending.clear()
            for executor in self.executors:
                executor.submit(connections.close_all).result()
                executor.shutdown()
            self.executors = []


class Progress:
    """A rich progress bar on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, stdout, *, total_bytes: int | None, tty: bool, enabled: bool):
        self.stdout = stdout
        self.started = time.perf_counter()
        self.last = self.started
        self.bar = None
        if enabled and tty:
            from rich.progress import (
                BarColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self.bar = RichProgress(
                TextColumn("[bold]Importing"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[rows]:,} rows"),
                TextColumn("{task.fields[rate]:,.0f} rows/s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                transient=False,
            )
            self.task = self.bar.add_task("import", total=total_bytes, rows=0, rate=0.0)
            self.bar.start()
        self.enabled = enabled

    def update(self, *, rows: int, bytes_read: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        rate = rows / (now - self.started) if now > self.started else 0.0
        if self.bar is not None:
            self.bar.update(self.task, completed=bytes_read, rows=rows, rate=rate)
        elif now - self.last >= PLAIN_PROGRESS_SECONDS:
            self.last = now
            self.stdout.write(
                f"Progress: {rows:,} rows read in {now - self.started:.0f} s ({rate:,.0f} rows/s)"
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class ErrorReport:
    """The --errors CSV: row, column, reason, then the original row's cells."""

    def __init__(self, path: str | None, headers: list[str], fmt: str, stderr):
        self.count = 0
        self.rows: set[int] = set()
        self.shown = 0
        self.stderr = stderr
        self.file = None
        self.fmt = fmt
        if path:
            self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self.writer = csv.writer(self.file)
            original = headers if fmt == "csv" else ["original"]
            self.writer.writerow(["row", "column", "reason", *original])

    def add(self, error: RowError) -> None:
        self.count += 1
        self.rows.add(error.row)
        if self.file is not None:
            original = error.original
            if self.fmt == "csv":
                # Quoted as an export quotes it (core.csv_cells): the report is opened in
                # spreadsheets too, and a fixed row imports back meaning what it meant.
                cells = [neutralize_csv_cell(restore_csv_cell(cell)) for cell in original or []]
            else:
                cells = [original or ""]
            self.writer.writerow([error.row, error.column, error.reason, *cells])
        elif self.shown < ERRORS_SHOWN:
            self.shown += 1
            column = f" {error.column}" if error.column else ""
            self.stderr.write(f"Row {error.row}{column}: {error.reason}")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class Command(BaseCommand):
    help = (
        "Import phone numbers from a CSV or JSON Lines file ('-' reads stdin), validated like "
        "the API, in batches (one transaction each). Invalid rows go to an error report and "
        "make the command exit non-zero; re-running a file is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import, or - for stdin.")
        parser.add_argument(
            "--format",
            choices=["csv", "jsonl"],
            default=None,
            help="csv or jsonl (default: from the file's extension; required for stdin).",
        )
        parser.add_argument(
            "--business",
            default=None,
            help="Default business (id or name) for rows that name none.",
        )
        parser.add_argument(
            "--errors",
            default=None,
            metavar="PATH",
            help="Write every invalid row to this CSV (row, column, reason, the original row).",
        )
        parser.add_argument(
            "--on-conflict",
            choices=ON_CONFLICT,
            default="skip",
            help="What to do with a number that already exists (not released): skip it "
            "(default), update the columns the file has (one event per changed number), or "
            "fail (stop; the current batch is rolled back).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would happen; write nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Rows per transaction (default 5000).",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="Username recorded as the actor of the events (default: none, 'An import').",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS if (os.cpu_count() or 1) > 1 else 0,
            help="Processes that parse and validate cells beside the one that writes "
            f"(default: {DEFAULT_WORKERS}, 0 on one core: parse in the main process).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show progress while importing."
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user is called {options['user']!r}.")
        businesses = Businesses()
        default_business = None
        if options["business"]:
            try:
                default_business = businesses.resolve(options["business"])
            except ValueError as exc:
                raise CommandError(f"--business: {exc}") from None

        path = options["path"]
        try:
            source = open_source(path, options["format"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        report = ErrorReport(options["errors"], source.headers, source.format, self.stderr)
        name = "stdin" if path == "-" else path.rsplit("/", 1)[-1]
        importer = Importer(
            validator=Validator(default_business=default_business, businesses=businesses),
            on_conflict=options["on_conflict"],
            dry_run=options["dry_run"],
            actor=actor,
            source_name=name,
        )
        tty = sys.stdout.isatty() and self.stdout._out is sys.stdout
        progress = Progress(
            self.stdout,
            total_bytes=source.total_bytes,
            tty=tty,
            enabled=not options["no_progress"] and options["verbosity"] >= 1,
        )
        threaded = (
            connection.vendor == "postgresql"
            and not connection.in_atomic_block
            and not options["dry_run"]
        )
        # --on-conflict fail stops at the first batch with a conflict: nothing after it
        # may be in flight.
        threads = (1 if options["on_conflict"] == "fail" else WRITER_THREADS) if threaded else 0
        writer = BatchWriter(importer, threads=threads)
        started = time.perf_counter()
        totals = importer.totals
        failure = None
        try:
            with fewer_garbage_collections():
                self._stream(source, importer, writer, report, progress, options)
        except ImportFileError as exc:
            failure = str(exc)
        except ImportConflict as exc:
            failure = str(exc)
        finally:
            if writer.busy:  # an error above: wait for the batches in flight
                with contextlib.suppress(ImportConflict, ImportFileError):
                    writer.finish()
            progress.close()
            source.close()
            report.close()
        totals.invalid = len(report.rows)
        elapsed = time.perf_counter() - started
        self._summary(importer, elapsed, options, report, database=connection.vendor)
        if failure:
            raise CommandError(failure)
        if totals.invalid:
            where = (
                f"see {options['errors']}"
                if options["errors"]
                else "pass --errors PATH for a full report"
            )
            raise CommandError(f"{totals.invalid:,} invalid row(s) were not imported; {where}.")

    def _stream(self, source, importer, writer, report, progress, options) -> None:
        """Read, validate and write every row, batch by batch."""
        totals = importer.totals
        batch = []
        for row_number, values, original, cells in parsed_rows(source.rows(), options["workers"]):
            totals.rows += 1
            valid, errors = importer.validator.validate(row_number, values, original, cells)
            for error in errors:
                report.add(error)
            if valid is None and not importer.dry_run:
                IMPORT_ROWS.labels("invalid").inc()
            if valid is not None:
                batch.append(valid)
            if len(batch) >= options["batch_size"]:
                for error in writer.submit(batch):
                    report.add(error)
                batch = []
                progress.update(rows=totals.rows, bytes_read=source.bytes_read)
            elif totals.rows % 1000 == 0:
                progress.update(rows=totals.rows, bytes_read=source.bytes_read)
        for error in writer.submit(batch):
            report.add(error)
        for error in writer.finish():
            report.add(error)
        progress.update(rows=totals.rows, bytes_read=source.bytes_read)

    def _summary(self, importer, elapsed, options, report, *, database) -> None:
        t = importer.totals
        rate = t.rows / elapsed if elapsed > 0 else 0.0
        if report.file is None and report.shown < report.count:
            self.stderr.write(f"... and {report.count - report.shown:,} more error(s).")
        timing = f"{t.rows:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s) on {database}"
        if options["dry_run"]:
            self.stdout.write(
                "DRY RUN - nothing was written to the database. "
                f"Would create {t.created:,}, update {t.updated:,}, skip {t.skipped:,} "
                f"(already there, {t.unchanged:,} unchanged); {t.invalid:,} invalid. {timing}."
            )
            return
        unchanged = f" ({t.unchanged:,} unchanged)" if t.unchanged else ""
        self.stdout.write(
            f"Created {t.created:,}, updated {t.updated:,}{unchanged}, skipped {t.skipped:,} "
            f"(already there), invalid {t.invalid:,}. {timing}."
        )
