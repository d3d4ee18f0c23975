"""Realistic phone-number inventory in bulk, for benchmarks and demos.

Benchmark tooling, never imported by the app: run by bench/generate_load_data.py (the
command line, any database) and bench/load_inventory.py (the benchmarks' PostgreSQL
load). The demo (`manage.py seed_demo`) builds its rows through the services instead.

This is a bulk loader: it writes rows directly with set-based SQL or bulk_create, not
through the per-row services (phonenumbers_app.services), which would take hours for a
million numbers. It keeps the rules the services and the database keep: E.164 numbers
that `phonenumbers` accepts, unique; Available numbers in the pool (no business),
Assigned and other owned numbers with a business; at most one default number per
business; scores and percents from 0 to 100; one 10DLC and one billing row per number;
and an audit trail whose first event is "created" and whose before → after data, read
in order, ends at the number's stored state (when the trail is long enough to tell the
whole story; a short trail keeps its most important events).

How rows are made
- Every value is a pure function of the row index i and the seed, so a seed gives the
  same data again, on either database.
- A number's kind (inventory state, status, warmup, health, 10DLC, billing, reasons) is
  one of PROFILE_SLOTS=200 profiles. Every block of 200 consecutive numbers (i = 0-199,
  200-399, ...) uses each profile exactly once, in a seeded order, so any load of 200
  numbers or more contains every value of every vocabulary, in the proportions of
  `_GROUPS`.
- Numbers are area code x exchange x line over every US area code the library knows:
  first the fictional 555-0100..0199 lines (100 per area code, so demo-sized loads never
  text anyone), then lines 0000-9999 of real exchanges (400 and up, never 555 or N11).
  Locations come from the library's offline geocoder once per area code and exchange.
- Events come from per-profile templates (title, details, JSON data with ${...}
  placeholders) filled per number.
- Two paths from one specification (the column specs, columns.py): on PostgreSQL,
  INSERT ... SELECT from generate_series joined to small temporary tables of profiles,
  templates, exchanges and businesses; elsewhere (SQLite), bulk_create in batches. A
  PostgreSQL test checks that both produce the same rows.
- Generated rows are recognised by their ids (`generated_id`): a fixed 48-bit prefix
  ("10adda7a" + kind) then a serial. `reset` removes only such rows, and refuses when the
  database also holds numbers made otherwise.

Modules, in the order a load uses them: vocabulary (sizes, ids, word lists), profiles,
templates (event stories), numbers (area codes and exchanges), plan (seeded per-row
values), columns (the row builders), loading (generate: the entry point), bulk and sql
(the two paths).
"""

from bench.load_data.loading import delete_inventory, generate
from bench.load_data.numbers import FICTIONAL_LINES, area_codes
from bench.load_data.plan import ExistingData, Plan, Result
from bench.load_data.vocabulary import (
    CAMPAIGN_STATUSES,
    KIND_BUSINESS,
    MAX_EVENTS_PER_NUMBER,
    MAX_NUMBERS,
    PROFILE_SLOTS,
    generated_id,
)

__all__ = [
    "CAMPAIGN_STATUSES",
    "FICTIONAL_LINES",
    "KIND_BUSINESS",
    "MAX_EVENTS_PER_NUMBER",
    "MAX_NUMBERS",
    "PROFILE_SLOTS",
    "ExistingData",
    "Plan",
    "Result",
    "area_codes",
    "delete_inventory",
    "generate",
    "generated_id",
]
