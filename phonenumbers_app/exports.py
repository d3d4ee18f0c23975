"""Phone numbers written in the import's columns, so that what is exported imports back.

One writer for every door that exports: `manage.py export_phone_numbers` (CSV and JSON
Lines) and the admin's CSV export. The columns are phonenumbers_app.imports.columns.COLUMNS,
the ones import_phone_numbers reads. CSV cells a spreadsheet would run as a formula get a
leading `'` (core.csv_cells), which the import takes off again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from core.csv_cells import neutralize_csv_cell
from phonenumbers_app.imports.columns import COLUMNS, EXPORT_LOOKUPS, csv_cell, export_value

# RFC 4180 line ends (\r\n): the csv module quotes a cell only if it holds a character of
# the line end, so with "\n" a cell holding a bare carriage return was written unquoted
# and split its row in two when read back.
CSV_LINE_END = "\r\n"


def export_rows(queryset: QuerySet, *, chunk_size: int = 2_000) -> Iterator[dict[str, Any]]:
    """The numbers' values for the export columns, streamed from the database in chunks."""
    return queryset.values(*EXPORT_LOOKUPS).iterator(chunk_size=chunk_size)


def csv_header() -> list[str]:
    return [column.name for column in COLUMNS.values()]


def csv_record(row: dict[str, Any]) -> list[str]:
    return [neutralize_csv_cell(csv_cell(export_value(column, row))) for column in COLUMNS.values()]


def json_record(row: dict[str, Any]) -> dict[str, Any]:
    return {column.name: export_value(column, row) for column in COLUMNS.values()}


class _Echo:
    """A file that hands back what is written: csv.writer then yields lines one by one."""

    def write(self, value: str) -> str:
        return value


def csv_lines(queryset: QuerySet) -> Iterator[str]:
    """The whole CSV file, line by line (for a streaming response)."""
    writer = csv.writer(_Echo(), lineterminator=CSV_LINE_END)
    yield writer.writerow(csv_header())
    for row in export_rows(queryset):
        yield writer.writerow(csv_record(row))
