"""The import service: validated rows → numbers, in batches, each batch one transaction.

New numbers are written around the per-row services (which would take hours for a
million numbers) but keep their rules: one 10DLC and one billing row per new number, one
"imported" event per new number, one "updated" event (before → after) per changed number,
and the database's constraints. Re-running a file is safe: each batch first looks up which
of its numbers already exist (not released) and never inserts those again; with
`on_conflict="skip"`
they are counted as skipped, so a run killed at any point and run again ends where one
clean run would.

New numbers are written as rows built in table column order (`Table.row`):
- PostgreSQL: one COPY (psycopg 3) per table straight into the four tables. A number
  that someone else creates between the look-up and the COPY makes the COPY fail on the
  partial unique index; the batch's savepoint is rolled back, the look-up repeated and
  the COPY retried without it, so the result is the same as if it had been seen first.
- elsewhere (SQLite): bulk_create(ignore_conflicts=True), then the rows that went in are
  read back by id and get their 10DLC, billing and events with bulk_create.
Updates (`on_conflict="update"`) are planned by the domain's own rule
(services.plan_change) and, where they change the owner, applied by services.apply_change;
see Importer._update.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from businesses.models import Business
from core.ids import new_id
from core.metrics import IMPORT_ROWS
from phonenumbers_app.errors import InvalidTransition
from phonenumbers_app.event_changes import in_a_sentence
from phonenumbers_app.imports.validate import RowError, Validator, ValidRow
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.services.events import (
    TITLE_MAX_LENGTH,
    api_name,
    changes,
    events_published,
    events_record,
    new_event,
)
from phonenumbers_app.services.ownership import owner_user
from phonenumbers_app.services.update import UNSET, apply_change, plan_change
from phonenumbers_app.vocabularies import EventType, InventoryState

ON_CONFLICT = ("skip", "update", "fail")
EVENT_FIELDS = ("number", "name", "business_id", "user_id", "inventory_state", "enabled", "status")
IMPORT_ACTOR = "An import"  # the actor's name in events when no --user is given
DATABASE_REFUSED = "The database refused this change"


class ImportConflict(Exception):
    """The import stops over numbers that exist: --on-conflict fail met one, or numbers
    kept being created by someone else while a batch was written."""


@dataclass
class Totals:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # existing numbers that the file would not change (update mode)
    skipped: int = 0
    invalid: int = 0
    rows: int = 0

    def add(self, other: Totals) -> None:
        for name in ("created", "updated", "unchanged", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Table:
    """One table's rows as lists in column order, starting from the fields' defaults.

    `Model(*row)` makes an instance of such a row (Django's positional order), and
    psycopg's COPY writes it as is.
    """

    def __init__(self, model: type[models.Model]):
        fields = model._meta.concrete_fields
        self.model = model
        self.columns = [f.column for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        # Callable defaults (ids, timestamps) are set per row by the importer.
        self.template = [None if callable(f.default) else f.get_default() for f in fields]

    def row(self, values: dict[str, Any]) -> list[Any]:
        row = self.template.copy()
        position = self.position
        for attname, value in values.items():
            row[position[attname]] = value
        return row


PHONE, TEN_DLC, BILLING, EVENT = (
    Table(PhoneNumber),
    Table(TenDlc),
    Table(Billing),
    Table(PhoneNumberEvent),
)
# (position in a PhoneNumber row, API name) of the fields an "imported" event records.
_EVENT_KEYS = tuple((PHONE.position[f], api_name(f)) for f in EVENT_FIELDS)
LOCATION_FIELDS = ("location_description", "location_state", "location_country_code")
CONFLICT_RETRIES = 5
NUMBER_CONSTRAINT = "phone_number_unique_unreleased"


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
        self.lock = threading.Lock()
        self.postgres = connection.vendor == "postgresql"
        self.event_title = f"Imported from {source_name}"[:TITLE_MAX_LENGTH]
        self.actor_id = actor.pk if actor else None
        self.actor_is_staff = bool(actor and actor.is_staff)

    # --- rows -------------------------------------------------------------------

    def new_rows(self, row: ValidRow, now) -> tuple[list, list, list, list]:
        """The PhoneNumber, TenDlc, Billing and "imported" event rows of a new number."""
        business_id = row.business_id
        owner = getattr(owner_user(self.actor), "pk", None) if business_id else None
        phone_id = new_id()
        values = {
            "id": phone_id,
            "number": row.number,
            "name": row.number,
            "business_id": business_id,
            "user_id": owner,
            "inventory_state": InventoryState.ASSIGNED if business_id else InventoryState.AVAILABLE,
            "leadping_owned": business_id is None,
            "created_at": now,
        }
        if not row.location_given:
            location = self.validator.locations.of(row.number)
            values.update(zip(LOCATION_FIELDS, location, strict=True))
        values.update(row.phone)
        phone = PHONE.row(values)
        after = {key: _jsonable(phone[at]) for at, key in _EVENT_KEYS}
        return (
            phone,
            TEN_DLC.row({**row.ten_dlc, "phone_number_id": phone_id}),
            BILLING.row(
                {
                    **row.billing,
                    "phone_number_id": phone_id,
                    "business_id": business_id,
                    "user_id": owner,
                }
            ),
            EVENT.row(
                {
                    "id": new_id(),
                    "phone_number_id": phone_id,
                    "type": EventType.IMPORTED,
                    "title": self.event_title,
                    "details": (
                        f"{self.actor_name or IMPORT_ACTOR} imported {row.number} as "
                        f"{after['inventoryState']} from {self.source_name} (row {row.row})."
                    ),
                    "actor_id": self.actor_id,
                    "actor_name": self.actor_name,
                    "actor_is_staff": self.actor_is_staff,
                    "business_id": business_id,
                    "data": {"after": after},
                    "created_at": now,
                }
            ),
        )

    # --- batches ----------------------------------------------------------------

    def write(self, rows: list[ValidRow]) -> list[RowError]:
        """Write one batch in one transaction; returns rows found invalid while writing.

        Safe to call from several threads at once (each with its own connection).
        """
        if not rows:
            return []
        if self.dry_run:
            return self._dry_run(rows)
        batch = Totals()
        with transaction.atomic():
            if self.on_conflict == "update":
                existing = self._existing(rows, lock=True)
            else:
                existing = dict.fromkeys(self._existing_numbers([r.number for r in rows]))
            if existing and self.on_conflict == "fail":
                row = next(r for r in rows if r.number in existing)
                raise ImportConflict(
                    f"Row {row.row}: {row.number} already exists (not released) and "
                    "--on-conflict is fail; this batch was rolled back."
                )
            errors: list[RowError] = []
            if existing and self.on_conflict == "update":
                errors = self._update([r for r in rows if r.number in existing], existing, batch)
            else:
                batch.skipped += len(existing)
            new_rows = [r for r in rows if r.number not in existing]
            if new_rows:
                batch.created = self._insert(new_rows)
                # Created by someone else since the look-up.
                batch.skipped += len(new_rows) - batch.created
        with self.lock:  # counted once committed
            self.totals.add(batch)
        for result in ("created", "updated", "unchanged", "skipped"):
            if count := getattr(batch, result):
                IMPORT_ROWS.labels(result).inc(count)
        if errors:
            IMPORT_ROWS.labels("refused").inc(len(errors))
        return errors

    def _dry_run(self, rows: list[ValidRow]) -> list[RowError]:
        # Only updates need the existing rows themselves; otherwise their numbers do.
        if self.on_conflict == "update":
            existing = self._existing(rows, lock=False)
        else:
            existing = dict.fromkeys(self._existing_numbers([r.number for r in rows]))
        errors: list[RowError] = []
        if self.on_conflict == "update" and existing:
            with transaction.atomic():
                sid = transaction.savepoint()
                errors = self._update(
                    [r for r in rows if r.number in existing], existing, self.totals
                )
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
        queryset = (
            PhoneNumber.objects.not_released()
            .filter(number__in=[r.number for r in rows])
            .select_related("ten_dlc", "billing", "business")
        )
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        return {p.number: p for p in queryset}

    def _existing_numbers(self, numbers: list[str]) -> set[str]:
        """Which of `numbers` exist (not released): one probe of the unique index each."""
        if self.postgres:
            # = ANY(array) is one parameter, however long the batch.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT number FROM {PhoneNumber._meta.db_table} "
                    "WHERE number = ANY(%s) AND inventory_state <> %s",
                    [numbers, InventoryState.RELEASED],
                )
                return {number for (number,) in cursor.fetchall()}
        found = PhoneNumber.objects.not_released().filter(number__in=numbers)
        return set(found.values_list("number", flat=True))

    # --- inserts ----------------------------------------------------------------

    def _insert(self, rows: list[ValidRow]) -> int:
        now = timezone.now()
        tables = list(zip(*(self.new_rows(r, now) for r in rows), strict=True))
        insert = self._insert_postgres if self.postgres else self._insert_bulk
        events = insert(tables)
        events_published([PhoneNumberEvent(*row) for row in events])
        return len(events)

    def _insert_bulk(self, tables: list[tuple[list, ...]]) -> list[list]:
        """Insert what no one created meanwhile; returns the event rows of what went in."""
        phones, ten_dlcs, billings, events = tables
        id_at = PHONE.position["id"]
        PhoneNumber.objects.bulk_create(
            [PhoneNumber(*row) for row in phones], ignore_conflicts=True, batch_size=1000
        )
        ids = [row[id_at] for row in phones]
        inserted = set(PhoneNumber.objects.filter(pk__in=ids).values_list("pk", flat=True))
        mine = [k for k, pk in enumerate(ids) if pk in inserted]
        for model, rows in ((TenDlc, ten_dlcs), (Billing, billings), (PhoneNumberEvent, events)):
            model.objects.bulk_create([model(*rows[k]) for k in mine], batch_size=1000)
        return [events[k] for k in mine]

    def _insert_postgres(self, tables: list[tuple[list, ...]]) -> list[list]:
        """COPY straight into the tables; retried without numbers created meanwhile.
        Returns the event rows of what went in."""
        number_at = PHONE.position["number"]
        for _ in range(CONFLICT_RETRIES):
            try:
                with transaction.atomic():  # a savepoint: a failed COPY leaves the batch usable
                    self._copy(tables)
                return tables[3]
            except IntegrityError as exc:
                if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != (
                    NUMBER_CONSTRAINT
                ):
                    raise
            taken = self._existing_numbers([row[number_at] for row in tables[0]])
            keep = [k for k, row in enumerate(tables[0]) if row[number_at] not in taken]
            tables = tuple([rows[k] for k in keep] for rows in tables)
            if not keep:
                return []
        raise ImportConflict(
            f"Numbers of a batch kept being created by someone else while it was written "
            f"({CONFLICT_RETRIES} tries); that batch was rolled back: run the import again "
            "to skip them."
        )

    def _copy(self, tables: tuple[list, ...]) -> None:
        data_at = EVENT.position["data"]
        # wrap_database_errors: psycopg's errors from the raw cursor become Django's.
        with connection.wrap_database_errors, connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            for table, rows in zip((PHONE, TEN_DLC, BILLING, EVENT), tables, strict=True):
                name = connection.ops.quote_name(table.model._meta.db_table)
                columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
                with raw.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    if table is EVENT:
                        for row in rows:
                            row = row.copy()
                            row[data_at] = json.dumps(row[data_at], cls=DjangoJSONEncoder)
                            copy.write_row(row)
                    else:
                        for row in rows:
                            copy.write_row(row)

    # --- updates ----------------------------------------------------------------

    def _update(
        self, rows: list[ValidRow], existing: dict[str, PhoneNumber], totals: Totals
    ) -> list[RowError]:
        """Apply the rows to their (locked) numbers through the domain's change rules.

        Each row is planned by services.plan_change, the rule every door uses
        (transitions, ownership, invariants). Rows that change the owner or the default
        number touch other rows and write an event into each owner's history: they go
        through services.apply_change one by one, each in a savepoint. The rest are
        written together; if the database refuses that bulk write, its rows are applied
        one by one too, so a refused row is reported, never a traceback.
        """
        errors: list[RowError] = []
        businesses = Business.objects.in_bulk(
            {r.business_id for r in rows if r.business_given and r.business_id}
        )
        bulk: list[_PlannedRow] = []
        single: list[_PlannedRow] = []
        for row in rows:
            planned = self._plan(row, existing[row.number], businesses)
            if isinstance(planned, RowError):
                errors.append(planned)
            elif planned is None:
                totals.unchanged += 1
            elif "business" in planned.target or planned.target.get("is_default"):
                single.append(planned)
            else:
                bulk.append(planned)
        if bulk:
            try:
                with transaction.atomic():
                    self._apply_bulk(bulk, totals)
            except IntegrityError:
                fresh = self._existing([p.row for p in bulk], lock=True)
                single += [
                    p
                    for p in (self._plan(p.row, fresh[p.row.number], businesses) for p in bulk)
                    if isinstance(p, _PlannedRow)
                ]
        for planned in single:
            if error := self._apply_one(planned):
                errors.append(error)
            else:
                totals.updated += 1
        return errors

    def _plan(
        self, row: ValidRow, number: PhoneNumber, businesses: dict[Any, Business]
    ) -> _PlannedRow | RowError | None:
        """What the row changes on `number` (None: nothing), or why it cannot."""
        target = {
            f: v for f, v in row.phone.items() if _comparable(getattr(number, f)) != _comparable(v)
        }
        business: Any = UNSET
        if row.business_given and row.business_id != _str(number.business_id):
            business = businesses.get(uuid.UUID(row.business_id)) if row.business_id else None
        try:
            target = plan_change(number, fields=target, business=business, acting_user=self.actor)
        except InvalidTransition as exc:
            return RowError(row.row, exc.extensions["field"], exc.detail, row.original)
        except ValidationError as exc:
            column, messages = next(iter(exc.message_dict.items()))
            return RowError(row.row, column, " ".join(messages), row.original)
        ten_dlc = _changed(number.ten_dlc, row.ten_dlc)
        billing = _changed(number.billing, row.billing)
        if not (target or ten_dlc or billing):
            return None
        return _PlannedRow(row, number, target, ten_dlc, billing)

    def _apply_one(self, planned: _PlannedRow) -> RowError | None:
        row = planned.row
        try:
            with transaction.atomic():
                apply_change(
                    planned.number,
                    target=planned.target,
                    ten_dlc=planned.ten_dlc,
                    billing=planned.billing,
                    acting_user=self.actor,
                    actor_name=IMPORT_ACTOR,
                )
        except IntegrityError as exc:
            return RowError(row.row, "number", f"{DATABASE_REFUSED} ({exc})", row.original)
        return None

    def _apply_bulk(self, rows: list[_PlannedRow], totals: Totals) -> None:
        """Rows that change only their own number: one bulk update per table."""
        now = timezone.now()
        phones, ten_dlcs, billings, events = [], [], [], []
        phone_fields, ten_dlc_fields, billing_fields = set(), set(), set()
        for planned in rows:
            number, before, after = planned.number, {}, {}
            for obj, given, prefix, bucket, names in (
                (number, planned.target, "", phones, phone_fields),
                (number.ten_dlc, planned.ten_dlc, "tenDlc", ten_dlcs, ten_dlc_fields),
                (number.billing, planned.billing, "billing", billings, billing_fields),
            ):
                for f, v in given.items():
                    before[api_name(f, prefix)] = _jsonable(getattr(obj, f))
                    after[api_name(f, prefix)] = _jsonable(v)
                    setattr(obj, f, v)
                    names.add(f)
                if given and obj is not number:
                    bucket.append(obj)
            number.version += 1
            number.modified_at = now
            phones.append(number)
            who = self.actor_name or IMPORT_ACTOR
            event = new_event(
                phone_number=number,
                type=EventType.UPDATED,
                title=f"Updated by an import from {self.source_name}",
                details=(
                    f"{who} updated {number.number} from {self.source_name} "
                    f"(row {planned.row.row}): {', '.join(map(in_a_sentence, after))}."
                ),
                acting_user=self.actor,
                data=changes(before, after),
            )
            event.created_at = now
            events.append(event)
        PhoneNumber.objects.bulk_update(
            phones, [*sorted(phone_fields), "version", "modified_at"], batch_size=500
        )
        if ten_dlcs:
            TenDlc.objects.bulk_update(ten_dlcs, sorted(ten_dlc_fields), batch_size=500)
        if billings:
            Billing.objects.bulk_update(billings, sorted(billing_fields), batch_size=500)
        events_record(events)
        totals.updated += len(phones)


@dataclass
class _PlannedRow:
    row: ValidRow
    number: PhoneNumber
    target: dict[str, Any]  # PhoneNumber fields, as services.plan_change returns them
    ten_dlc: dict[str, Any]
    billing: dict[str, Any]


def _changed(instance: models.Model, wanted: dict[str, Any]) -> dict[str, Any]:
    return {f: v for f, v in wanted.items() if _comparable(getattr(instance, f)) != _comparable(v)}


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
