"""Streaming CSV and JSON Lines readers: one row at a time, never the whole file.

`open_source` checks the columns before any row is read (unknown columns raise
ImportFileError listing the known ones) and returns a Source whose `rows()` yields
(row number, {column name: cell}, original row). Row numbers are what a person sees: in a
CSV the header is row 1 and the first data row is row 2; in JSON Lines, the line number.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from core.csv_cells import restore_csv_cell
from phonenumbers_app.field_ownership import STAFF, not_writable
from phonenumbers_app.imports.columns import (
    BILLING,
    BUSINESS,
    COLUMNS,
    TEN_DLC,
    QuotedCell,
    column_for,
)
from phonenumbers_app.services.events import api_name

FORMATS = ("csv", "jsonl")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (format, encoding, columns)."""


def known_columns_text() -> str:
    return ", ".join(COLUMNS)


def field_name(column: str) -> str:
    """The name field_ownership's table knows a column's field by."""
    spec = COLUMNS[column]
    if spec.model == BUSINESS:
        return "businessId"  # businessName names the business too
    return api_name(spec.field, {TEN_DLC: "tenDlc", BILLING: "billing"}.get(spec.model, ""))


def _refuse_not_writable(columns: list[str]) -> None:
    """The import is a staff door: it writes what the field-ownership table lets staff write,
    whoever --user names as the actor. `number` is the key that finds or creates the row."""
    by_field = {field_name(c): c for c in columns if c != "number"}
    refused = not_writable(dict.fromkeys(by_field), STAFF)
    if refused:
        names = ", ".join(by_field[f] for f in refused)
        raise ImportFileError(f"Column(s) that no import may write: {names}.")


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it (for progress)."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.bytes_read += n
        return n


def guess_format(path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    lowered = path.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    if path == "-":
        raise ImportFileError("Reading from stdin: say which format with --format csv|jsonl.")
    raise ImportFileError(
        f"Cannot tell the format of {path} from its extension: use --format csv|jsonl."
    )


def _decode_error(path: str, exc: UnicodeDecodeError) -> ImportFileError:
    return ImportFileError(
        f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} cannot be decoded). "
        "Save it as UTF-8 (for example 'CSV UTF-8' in a spreadsheet) and run again."
    )


@dataclass
class Source:
    path: str
    format: str
    counter: CountingReader
    text: io.TextIOWrapper
    total_bytes: int | None
    headers: list[str] = field(default_factory=list)  # CSV: the file's own headers
    columns: list[str | None] = field(default_factory=list)  # CSV: column name per header
    _first: Any = None  # JSONL: the first line, read to check its keys

    @property
    def bytes_read(self) -> int:
        return self.counter.bytes_read

    def close(self) -> None:
        if self.path != "-":
            self.text.close()

    def rows(self) -> Iterator[tuple[int, dict[str, Any], Any]]:
        try:
            if self.format == "csv":
                yield from self._csv_rows()
            else:
                yield from self._jsonl_rows()
        except UnicodeDecodeError as exc:
            raise _decode_error(self.path, exc) from None

    def _csv_rows(self):
        reader = csv.reader(self.text)
        width = len(self.columns)
        row_number = 1
        for cells in reader:
            row_number += 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line
            if len(cells) > width:
                yield row_number, {"__extra__": cells[width:]}, cells
                continue
            values = {
                name: _cell(cell) for name, cell in zip(self.columns, cells, strict=False) if name
            }
            yield row_number, values, cells

    def _jsonl_rows(self):
        line_number = 0
        lines = self.text if self._first is None else _chain(self._first, self.text)
        for line in lines:
            line_number += 1
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_number, {"__json__": f"Not JSON: {exc.msg}."}, line.rstrip("\n")
                continue
            if not isinstance(data, dict):
                yield line_number, {"__json__": "Must be a JSON object."}, line.rstrip("\n")
                continue
            values: dict[str, Any] = {}
            unknown = []
            for key, value in data.items():
                column = column_for(key)
                if column is None:
                    unknown.append(key)
                else:
                    values[column.name] = value
            if unknown:
                values["__unknown__"] = unknown
            yield line_number, values, line.rstrip("\n")


def _cell(cell: str) -> str:
    """A CSV cell with the export's formula quote taken off (core.csv_cells)."""
    restored = restore_csv_cell(cell)
    # Quoted text is taken as written: the quote protected its leading characters (a
    # tab, say), which the cell parsers would otherwise strip as surrounding space.
    return QuotedCell(restored) if restored != cell else cell


def _chain(first: str, rest):
    yield first
    yield from rest


def open_source(path: str, fmt: str | None = None) -> Source:
    fmt = guess_format(path, fmt)
    if fmt not in FORMATS:
        raise ImportFileError(f"Unknown format {fmt!r}: use csv or jsonl.")
    if path == "-":
        raw: BinaryIO = sys.stdin.buffer
        total = None
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed by Source.close
        except OSError as exc:
            raise ImportFileError(f"Cannot open {path}: {exc.strerror}.") from None
        total = os.fstat(raw.fileno()).st_size
    counter = CountingReader(raw)
    text = io.TextIOWrapper(
        io.BufferedReader(counter, buffer_size=1 << 16), encoding="utf-8-sig", newline=""
    )
    source = Source(path=path, format=fmt, counter=counter, text=text, total_bytes=total)
    try:
        if fmt == "csv":
            _read_header(source)
        else:
            _check_first_line(source)
    except UnicodeDecodeError as exc:
        source.close()
        raise _decode_error(path, exc) from None
    except ImportFileError:
        source.close()
        raise
    return source


def _read_header(source: Source) -> None:
    header_line = next(csv.reader(source.text), None)
    if header_line is None or not any(h.strip() for h in header_line):
        source.headers, source.columns = [], []
        return
    columns: list[str | None] = []
    unknown, seen = [], set()
    for header in header_line:
        column = column_for(header)
        if column is None:
            if header.strip():
                unknown.append(header.strip())
            columns.append(None)
            continue
        if column.name in seen:
            raise ImportFileError(f"Column {column.name} appears twice in the header.")
        seen.add(column.name)
        columns.append(column.name)
    if unknown:
        raise ImportFileError(
            f"Unknown column(s): {', '.join(unknown)}. Known columns (camelCase, or the same "
            f"in snake_case): {known_columns_text()}."
        )
    _refuse_not_writable(list(seen))
    if "number" not in seen:
        raise ImportFileError(
            f"The header has no 'number' column; it is required. Known columns: "
            f"{known_columns_text()}."
        )
    source.headers, source.columns = header_line, columns


def _check_first_line(source: Source) -> None:
    """JSON Lines has no header: the first object's keys are checked instead."""
    for line in source.text:
        if not line.strip():
            continue
        source._first = line
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return  # reported as an invalid row
        if isinstance(data, dict):
            unknown = [key for key in data if column_for(key) is None]
            if unknown:
                raise ImportFileError(
                    f"Unknown column(s): {', '.join(unknown)}. Known columns (camelCase, or "
                    f"the same in snake_case): {known_columns_text()}."
                )
            _refuse_not_writable([column_for(key).name for key in data])
        return
