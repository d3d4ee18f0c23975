"""The import service: validated rows → numbers, in batches, each batch one transaction.

Writes go around the per-row services (which would take hours for a million numbers) but
keep their rules: one 10DLC and one billing row per new number, one "imported" event per
new number, one "updated" event (before → after) per changed number, and the database's
constraints. Re-running a file is safe: a number that already exists (not released) is
never inserted twice, thanks to the partial unique index on `number`; with
`on_conflict="skip"` it is counted as skipped, so a run killed at any point and run again
ends where one clean run would.

Two insert paths, one result:
- PostgreSQL: COPY (psycopg 3) of the batch into a temporary staging table, then one
  statement: INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING id, chained (CTEs)
  into the 10DLC, billing and event inserts for exactly the rows that went in.
- elsewhere (SQLite): bulk_create(ignore_conflicts=True), then the rows that went in are
  read back by id and get their 10DLC, billing and events with bulk_create.
Updates (`on_conflict="update"`) use the same ORM code on both.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from phonenumbers_app.imports.validate import (
    ASSIGNED_NEEDS_BUSINESS,
    AVAILABLE_MEANS_POOL,
    RowError,
    Validator,
    ValidRow,
)
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.services.events import TITLE_MAX_LENGTH, api_name, changes
from phonenumbers_app.transitions import inventory_state_allowed, status_allowed
from phonenumbers_app.vocabularies import EventType, InventoryState

ON_CONFLICT = ("skip", "update", "fail")
EVENT_FIELDS = ("number", "name", "business_id", "user_id", "inventory_state", "enabled", "status")
_EVENT_KEYS = tuple((f, api_name(f)) for f in EVENT_FIELDS)
TRANSITION_REFUSED = "Cannot change {what} from {current} to {new}."


class ImportConflict(Exception):
    """--on-conflict fail met a number that already exists."""


@dataclass
class Totals:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # existing numbers that the file would not change (update mode)
    skipped: int = 0
    invalid: int = 0
    rows: int = 0


@dataclass
class Batch:
    rows: list[ValidRow] = field(default_factory=list)


def _defaults(model) -> dict[str, Any]:
    return {
        f.attname: f.get_default()
        for f in model._meta.concrete_fields
        if not f.primary_key or model is not PhoneNumber
    }


_PHONE_DEFAULTS = _defaults(PhoneNumber)
_TEN_DLC_DEFAULTS = _defaults(TenDlc)
_BILLING_DEFAULTS = _defaults(Billing)


class Importer:
    def __init__(
        self,
        *,
        validator: Validator,
        on_conflict: str = "skip",
        dry_run: bool = False,
        actor=None,
        source_name: str = "a file",
    ):
        if on_conflict not in ON_CONFLICT:
            raise ValueError(f"on_conflict must be one of {ON_CONFLICT}")
        self.validator = validator
        self.on_conflict = on_conflict
        self.dry_run = dry_run
        self.actor = actor
        self.actor_name = actor.display_name if actor else None
        self.source_name = source_name
        self.totals = Totals()
        self.postgres = connection.vendor == "postgresql"

    # --- rows -------------------------------------------------------------------

    def new_values(self, row: ValidRow, now) -> tuple[dict, dict, dict, dict]:
        """Complete PhoneNumber, TenDlc, Billing and event values of a new number.

        On PostgreSQL the ids are left to gen_random_uuid() (uuid4 in Python is a
        noticeable share of the per-row cost); the staging table joins on the number.
        """
        business_id = row.business_id
        owner = self.actor.pk if (business_id and self.actor) else None
        phone = dict(_PHONE_DEFAULTS)
        phone.update(
            id=None if self.postgres else uuid.uuid4(),
            number=row.number,
            name=row.number,
            business_id=business_id,
            user_id=owner,
            inventory_state=InventoryState.ASSIGNED if business_id else InventoryState.AVAILABLE,
            leadping_owned=business_id is None,
            created_at=now,
        )
        if not row.location_given:
            desc, state, country = self.validator.locations.of(row.number)
            phone.update(
                location_description=desc, location_state=state, location_country_code=country
            )
        phone.update(row.phone)
        ten_dlc = {**_TEN_DLC_DEFAULTS, **row.ten_dlc, "phone_number_id": phone["id"]}
        billing = {
            **_BILLING_DEFAULTS,
            **row.billing,
            "phone_number_id": phone["id"],
            "business_id": business_id,
            "user_id": owner,
        }
        who = self.actor_name or "An import"
        event = {
            "id": None if self.postgres else uuid.uuid4(),
            "phone_number_id": phone["id"],
            "type": EventType.IMPORTED,
            "title": f"Imported from {self.source_name}"[:TITLE_MAX_LENGTH],
            "details": (
                f"{who} imported {row.number} as {phone['inventory_state']} from "
                f"{self.source_name} (row {row.row})."
            ),
            "actor_id": self.actor.pk if self.actor else None,
            "actor_name": self.actor_name,
            "data": {"after": {key: _jsonable(phone[f]) for f, key in _EVENT_KEYS}},
            "created_at": now,
        }
        return phone, ten_dlc, billing, event

    # --- batches ----------------------------------------------------------------

    def write(self, rows: list[ValidRow]) -> list[RowError]:
        """Write one batch in one transaction; returns rows found invalid while writing."""
        if not rows:
            return []
        if self.dry_run:
            return self._dry_run(rows)
        with transaction.atomic():
            existing = {}
            if self.on_conflict != "skip" or not self.postgres:
                existing = self._existing(rows, lock=self.on_conflict == "update")
            if existing and self.on_conflict == "fail":
                row = next(r for r in rows if r.number in existing)
                raise ImportConflict(
                    f"Row {row.row}: {row.number} already exists (not released) and "
                    "--on-conflict is fail; this batch was rolled back."
                )
            errors: list[RowError] = []
            if existing and self.on_conflict == "update":
                errors = self._update([r for r in rows if r.number in existing], existing)
            else:
                self.totals.skipped += sum(1 for r in rows if r.number in existing)
            new_rows = [r for r in rows if r.number not in existing]
            if new_rows:
                created = self._insert(new_rows)
                self.totals.created += created
                # Taken by someone else since the check (or, on PostgreSQL, skip mode).
                self.totals.skipped += len(new_rows) - created
            return errors

    def _dry_run(self, rows: list[ValidRow]) -> list[RowError]:
        existing = self._existing(rows, lock=False)
        errors: list[RowError] = []
        if self.on_conflict == "update" and existing:
            with transaction.atomic():
                sid = transaction.savepoint()
                errors = self._update([r for r in rows if r.number in existing], existing)
                transaction.savepoint_rollback(sid)
        elif self.on_conflict == "fail" and existing:
            row = next(r for r in rows if r.number in existing)
            raise ImportConflict(
                f"Row {row.row}: {row.number} already exists (not released) and "
                "--on-conflict is fail."
            )
        else:
            self.totals.skipped += sum(1 for r in rows if r.number in existing)
        self.totals.created += sum(1 for r in rows if r.number not in existing)
        return errors

    def _existing(self, rows: list[ValidRow], *, lock: bool) -> dict[str, PhoneNumber]:
        queryset = PhoneNumber.objects.not_released().filter(number__in=[r.number for r in rows])
        if lock:
            queryset = queryset.select_related("ten_dlc", "billing").select_for_update(of=("self",))
        return {p.number: p for p in queryset}

    # --- inserts ----------------------------------------------------------------

    def _insert(self, rows: list[ValidRow]) -> int:
        now = timezone.now()
        values = [self.new_values(r, now) for r in rows]
        if self.postgres:
            return self._insert_postgres(values)
        return self._insert_bulk(values)

    def _insert_bulk(self, values) -> int:
        PhoneNumber.objects.bulk_create(
            [PhoneNumber(**v[0]) for v in values], ignore_conflicts=True, batch_size=1000
        )
        ids = {v[0]["id"] for v in values}
        inserted = set(PhoneNumber.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
        mine = [v for v in values if v[0]["id"] in inserted]
        TenDlc.objects.bulk_create([TenDlc(**v[1]) for v in mine], batch_size=1000)
        Billing.objects.bulk_create([Billing(**v[2]) for v in mine], batch_size=1000)
        PhoneNumberEvent.objects.bulk_create(
            [PhoneNumberEvent(**v[3]) for v in mine], batch_size=1000
        )
        return len(mine)

    def _insert_postgres(self, values) -> int:
        targets = _pg_targets()
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_stage")
            definition = ", ".join(f"{t[0]} {t[1]}" for t in targets)
            cursor.execute(f"CREATE TEMPORARY TABLE import_stage ({definition}) ON COMMIT DROP")
            names = ", ".join(t[0] for t in targets)
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            plan = [(t[2], t[3]) for t in targets]
            json_positions = [k for k, t in enumerate(targets) if t[1] == "jsonb"]
            with raw.copy(f"COPY import_stage ({names}) FROM STDIN") as copy:
                for row in values:
                    cells = [row[index][attname] for index, attname in plan]
                    for k in json_positions:
                        cells[k] = json.dumps(cells[k], cls=DjangoJSONEncoder)
                    copy.write_row(cells)
            # Without statistics the planner guesses a tiny table and joins in a nested loop.
            cursor.execute("ANALYZE import_stage")
            selects = []
            for index, model in enumerate((PhoneNumber, TenDlc, Billing, PhoneNumberEvent)):
                mine = [t for t in targets if t[2] == index]
                column_names = ", ".join(quote(t[4]) for t in mine)
                select = ", ".join(_stage_expression(t) for t in mine)
                selects.append((quote(model._meta.db_table), column_names, select))
            (pn_table, pn_cols, pn_select), *others = selects
            ctes = [
                f"ins AS (INSERT INTO {pn_table} ({pn_cols}) SELECT {pn_select} "
                "FROM import_stage s ON CONFLICT DO NOTHING RETURNING id, number)"
            ]
            for k, (table, cols, select) in enumerate(others):
                # Numbers are unique within a batch (duplicates in the file are invalid).
                ctes.append(
                    f"x{k} AS (INSERT INTO {table} ({cols}) SELECT {select} "
                    "FROM import_stage s JOIN ins ON ins.number = s.pn_number)"
                )
            cursor.execute(f"WITH {', '.join(ctes)} SELECT count(*) FROM ins")
            (created,) = cursor.fetchone()
            cursor.execute("DROP TABLE import_stage")
        return created

    # --- updates ----------------------------------------------------------------

    def _update(self, rows: list[ValidRow], existing: dict[str, PhoneNumber]) -> list[RowError]:
        now = timezone.now()
        errors: list[RowError] = []
        phones, ten_dlcs, billings, events = [], [], [], []
        phone_fields, ten_dlc_fields, billing_fields = set(), set(), set()
        for row in rows:
            number = existing[row.number]
            ten_dlc = getattr(number, "ten_dlc", None)
            billing = getattr(number, "billing", None)
            before, after = {}, {}
            wanted = dict(row.phone)
            if row.business_given and row.business_id != _str(number.business_id):
                wanted["business_id"] = row.business_id
            changed_phone = {
                f: v for f, v in wanted.items() if _comparable(getattr(number, f)) != _comparable(v)
            }
            state = changed_phone.get("inventory_state", number.inventory_state)
            business = changed_phone.get("business_id", number.business_id)
            problem = None
            if "inventory_state" in changed_phone and not inventory_state_allowed(
                number.inventory_state, state
            ):
                problem = (
                    "inventoryState",
                    _refused("inventoryState", number.inventory_state, state),
                )
            elif "status" in changed_phone and not status_allowed(
                number.status, changed_phone["status"]
            ):
                problem = ("status", _refused("status", number.status, changed_phone["status"]))
            elif state == InventoryState.ASSIGNED and not business:
                problem = ("inventoryState", ASSIGNED_NEEDS_BUSINESS)
            elif state == InventoryState.AVAILABLE and business:
                problem = ("inventoryState", AVAILABLE_MEANS_POOL)
            if problem:
                errors.append(RowError(row.row, problem[0], problem[1], row.original))
                continue
            for f, v in changed_phone.items():
                before[api_name(f)] = _jsonable(getattr(number, f))
                after[api_name(f)] = _jsonable(v)
                setattr(number, f, v)
                phone_fields.add(f)
            for obj, given, prefix, bucket, names in (
                (ten_dlc, row.ten_dlc, "tenDlc", ten_dlcs, ten_dlc_fields),
                (billing, row.billing, "billing", billings, billing_fields),
            ):
                if obj is None:
                    continue
                wanted = dict(given)
                if prefix == "billing" and "business_id" in changed_phone:
                    wanted["business_id"] = changed_phone["business_id"]
                diff = {
                    f: v
                    for f, v in wanted.items()
                    if _comparable(getattr(obj, f)) != _comparable(v)
                }
                for f, v in diff.items():
                    before[api_name(f, prefix)] = _jsonable(getattr(obj, f))
                    after[api_name(f, prefix)] = _jsonable(v)
                    setattr(obj, f, v)
                    names.add(f)
                if diff:
                    bucket.append(obj)
            if not after:
                self.totals.unchanged += 1
                continue
            number.version += 1
            number.modified_at = now
            phones.append(number)
            who = self.actor_name or "An import"
            events.append(
                PhoneNumberEvent(
                    phone_number=number,
                    type=EventType.UPDATED,
                    title=f"Updated by an import from {self.source_name}"[:TITLE_MAX_LENGTH],
                    details=(
                        f"{who} updated {number.number} from {self.source_name} "
                        f"(row {row.row}): {', '.join(after)}."
                    ),
                    actor=self.actor,
                    actor_name=self.actor_name,
                    data=changes(before, after),
                    created_at=now,
                )
            )
        if phones:
            PhoneNumber.objects.bulk_update(
                phones, [*sorted(phone_fields), "version", "modified_at"], batch_size=500
            )
        if ten_dlcs:
            TenDlc.objects.bulk_update(ten_dlcs, sorted(ten_dlc_fields), batch_size=500)
        if billings:
            Billing.objects.bulk_update(billings, sorted(billing_fields), batch_size=500)
        PhoneNumberEvent.objects.bulk_create(events, batch_size=1000)
        self.totals.updated += len(phones)
        return errors


def _refused(what: str, current: str, new: str) -> str:
    return TRANSITION_REFUSED.format(what=what, current=current, new=new)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


# --- PostgreSQL staging table -----------------------------------------------------


def _stage_expression(target: tuple[str, str, int, str, str]) -> str:
    name, _, index, attname, _ = target
    if (index, attname) in ((0, "id"), (3, "id")):
        return "gen_random_uuid()"
    if attname == "phone_number_id":
        return "ins.id"
    return f"s.{name}"


_TARGETS: list[tuple[str, str, int, str, str]] | None = None


def _pg_targets() -> list[tuple[str, str, int, str, str]]:
    """(staging column, type, index of the model in new_values' tuple, attname, column)."""
    global _TARGETS
    if _TARGETS is None:
        targets = []
        for index, (model, prefix) in enumerate(
            ((PhoneNumber, "pn"), (TenDlc, "td"), (Billing, "bl"), (PhoneNumberEvent, "ev"))
        ):
            for f in model._meta.concrete_fields:
                kind = f.rel_db_type(connection) if f.is_relation else f.db_type(connection)
                kind = {"serial": "integer", "bigserial": "bigint"}.get(kind, kind)
                name = f"{prefix}_{f.column}"
                targets.append((name, kind, index, f.attname, f.column))
        _TARGETS = targets
    return _TARGETS
