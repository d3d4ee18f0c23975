"""The PostgreSQL set-based path: INSERT ... SELECT from generate_series."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields

from django.db import connection

from bench.load_data.columns import BILLING_COLUMNS, NUMBER_COLUMNS, TEN_DLC_COLUMNS, Col
from bench.load_data.numbers import Block
from bench.load_data.plan import Plan, phase, sql_literal
from bench.load_data.profiles import Profile
from bench.load_data.templates import Template, pg_format
from bench.load_data.vocabulary import KIND_EVENT, KIND_NUMBER, id_sql
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc

# --- PostgreSQL set-based path --------------------------------------------------------

_PG_TYPES = {"bool": "boolean", "int": "bigint", "str": "text", "Decimal": "numeric"}
BUSINESS_COLUMNS = (
    "idx", "id", "name", "team_id", "crm_campaign_id", "brand_id", "tcr_campaign_id",
    "messaging_profile_id", "voice_connection_id",
)  # fmt: skip
# Template text goes to PostgreSQL as format() strings.
_TEMPLATE_TEXT = ("title", "details", "data")

_FROM_ROWS = """
    FROM load_row r
    JOIN load_profile p ON p.pid = r.pid
    JOIN load_block k ON k.block = r.block
    LEFT JOIN load_business b ON b.idx = r.bidx
"""


def _temp_table(cursor, name: str, columns: dict[str, str], rows: Iterable[tuple]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    definition = ", ".join(f"{column} {kind}" for column, kind in columns.items())
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP")
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", list(rows))
    cursor.execute(f"ANALYZE {name}")


def _dataclass_table(cursor, name: str, kind: type, items: Iterable, convert=None) -> None:
    """A temporary table with one column per field of dataclass `kind`."""
    columns = {f.name: _PG_TYPES[str(f.type).split(" ")[0]] for f in fields(kind)}
    convert = convert or {}
    rows = (tuple(convert.get(c, lambda v: v)(getattr(item, c)) for c in columns) for item in items)
    _temp_table(cursor, name, columns, rows)


def _create_plan_tables(cursor, plan: Plan) -> None:
    _dataclass_table(cursor, "load_profile", Profile, plan.profiles)
    _dataclass_table(cursor, "load_block", Block, plan.blocks)
    templates = (t for ts in plan.templates.values() for t in ts)
    _dataclass_table(
        cursor, "load_template", Template, templates, dict.fromkeys(_TEMPLATE_TEXT, pg_format)
    )
    columns = {
        c: "uuid" if c == "id" else "bigint" if c == "idx" else "text" for c in BUSINESS_COLUMNS
    }
    rows = (tuple(b[c] for c in BUSINESS_COLUMNS) for b in plan.business_rows)
    _temp_table(cursor, "load_business", columns, rows)
    cursor.execute("DROP TABLE IF EXISTS load_row")
    cursor.execute(f"CREATE TEMPORARY TABLE load_row ON COMMIT DROP AS {plan.row_sql()}")
    cursor.execute("ANALYZE load_row")


def _insert_sql(model, columns: dict[str, str], source: str) -> str:
    """INSERT INTO `model` (columns) SELECT expressions `source`."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    values = ", ".join(columns.values())
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {values} {source}"


def _specs_sql(columns: dict[str, Col], plan: Plan) -> dict[str, str]:
    return {
        name: col.sql.replace("{start}", sql_literal(plan.start))
        .replace("{user}", sql_literal(plan.user_id))
        .replace("{version}", str(plan.events_per_number))
        for name, col in columns.items()
    }


def _event_columns_sql(plan: Plan) -> dict[str, str]:
    """Events: `load_row r` x `load_template t`, the same values as event_values."""
    args = ", ".join(
        [
            "r.number", "r.name", "r.pool_name", "COALESCE(b.id::text, '')",
            "COALESCE(b.name, '')",
            "(r.progress * t.j0 / t.den)::text", "(r.progress * t.j1 / t.den)::text",
            "(r.score * t.j0 / t.den)::text", "(r.score * t.j1 / t.den)::text",
        ]
    )  # fmt: skip
    at = "(r.created_us + r.span_us * t.pos / 1000)"
    return {
        "id": id_sql(KIND_EVENT, f"r.i * {plan.events_per_number} + t.k - 1"),
        "phone_number_id": id_sql(KIND_NUMBER, "r.i"),
        "type": "t.type",
        "title": f"format(t.title, {args})",
        "details": f"format(t.details, {args})",
        "actor_id": f"CASE WHEN t.actor THEN {sql_literal(plan.user_id)} END",
        "actor_name": f"CASE WHEN t.actor THEN {sql_literal(plan.actor_name)} END",
        "actor_is_staff": "t.actor",
        "business_id": "CASE WHEN t.owned THEN b.id END",
        "data": f"format(t.data, {args})::jsonb",
        "created_at": f"{sql_literal(plan.start)} + {at} * INTERVAL '1 microsecond'",
    }


def load_sql(plan: Plan, log: Callable[[str], None]) -> None:
    n, k = plan.numbers, plan.events_per_number
    numbers_table = connection.ops.quote_name(PhoneNumber._meta.db_table)
    # The first number of each business that may be its default (lowest i = oldest).
    defaults = (
        f"UPDATE {numbers_table} SET is_default = TRUE WHERE id IN ("
        f"SELECT DISTINCT ON (r.bidx) {id_sql(KIND_NUMBER, 'r.i')} FROM load_row r "
        "JOIN load_profile p ON p.pid = r.pid WHERE p.may_be_default ORDER BY r.bidx, r.i)"
    )
    events_from = (
        "FROM load_row r JOIN load_template t ON t.pid = r.pid "
        "LEFT JOIN load_business b ON b.idx = r.bidx"
    )
    steps = [
        (
            "phone numbers",
            n,
            _insert_sql(PhoneNumber, _specs_sql(NUMBER_COLUMNS, plan), _FROM_ROWS),
        ),
        ("default numbers", None, defaults),
        ("10DLC", n, _insert_sql(TenDlc, _specs_sql(TEN_DLC_COLUMNS, plan), _FROM_ROWS)),
        ("billing", n, _insert_sql(Billing, _specs_sql(BILLING_COLUMNS, plan), _FROM_ROWS)),
        ("events", n * k, _insert_sql(PhoneNumberEvent, _event_columns_sql(plan), events_from)),
    ]
    with connection.cursor() as cursor:
        phase(log, "row plan (temporary tables)", n, lambda: _create_plan_tables(cursor, plan))
        for label, rows, sql in steps:
            phase(log, label, rows, lambda sql=sql: cursor.execute(sql))
        for name in ("load_row", "load_template", "load_business", "load_block", "load_profile"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
