"""import_phone_numbers: validation, error report, conflicts, dry run, formats, resumability.

Runs on SQLite (bulk_create path) and on PostgreSQL (COPY path).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count

from phonenumbers_app.field_ownership import FIELD_OWNERS, Owner
from phonenumbers_app.imports.columns import COLUMNS, EXPORT_LOOKUPS, csv_cell, export_value
from phonenumbers_app.imports.service import Importer
from phonenumbers_app.imports.validate import Businesses, SeenNumbers, Validator, parse_cells
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.vocabularies import EventType, InventoryState
from tests.conftest import db_state
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "phone-numbers.csv"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_phone_numbers", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[str, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc_info:
        call_command("import_phone_numbers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(exc_info.value)


def read_report(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def assert_complete(number: PhoneNumber) -> None:
    assert TenDlc.objects.filter(phone_number=number).count() == 1
    assert Billing.objects.filter(phone_number=number).count() == 1
    assert (
        PhoneNumberEvent.objects.filter(phone_number=number, type=EventType.IMPORTED).count() == 1
    )


@pytest.mark.django_db
def test_example_file_imports(tmp_path):
    BusinessFactory(name="Acme Roofing")
    out, _ = run(str(EXAMPLE), "--no-progress")
    assert PhoneNumber.objects.count() == 20
    assert "Created 20" in out and "rows/s" in out
    for number in PhoneNumber.objects.all():
        assert_complete(number)
    pool = PhoneNumber.objects.get(number="+12015550150")
    assert pool.business_id is None and pool.inventory_state == InventoryState.AVAILABLE
    assert pool.warmup_enabled is True and pool.capability_voice is False
    assert pool.location_country_code == "US" and pool.location_state == "NJ"
    assert pool.billing.monthly_amount is not None


@pytest.mark.django_db
def test_every_kind_of_bad_row_is_reported_and_good_rows_land(tmp_path):
    business = BusinessFactory(name="Acme Roofing")
    rows = [
        ["+12015550101", "Good one", str(business.pk), "Ready for SMS", "true"],  # row 2
        ["not a number", "Bad number", "", "", ""],  # row 3
        ["+12015550102", "Bad state", "", "Sleeping", ""],  # row 4
        ["+12015550103", "No such business", "6d0c1a64-0000-4000-8000-000000000000", "", ""],
        ["(201) 555-0101", "Duplicate of row 2", "", "", ""],  # row 6
        ["+12015550104", "Bad boolean", "", "", "maybe"],  # row 7
        ["+12015550105", "x" * 256, "", "", ""],  # row 8
        ["+12015550106", "Good two", "", "", "no"],  # row 9
    ]
    path = write_csv(
        tmp_path / "in.csv", ["number", "name", "businessId", "inventoryState", "enabled"], rows
    )
    report = tmp_path / "errors.csv"
    out, _, message = run_failing(
        str(path), "--errors", str(report), "--no-progress", "--workers", "1"
    )
    assert "6 invalid" in message
    assert "Created 2" in out and "invalid 6" in out
    assert set(PhoneNumber.objects.values_list("number", flat=True)) == {
        "+12015550101",
        "+12015550106",
    }
    errors = {(int(e["row"]), e["column"]): e for e in read_report(report)}
    assert set(errors) == {
        (3, "number"),
        (4, "inventoryState"),
        (5, "businessId"),
        (6, "number"),
        (7, "enabled"),
        (8, "name"),
    }
    assert "earlier in the file (row 2)" in errors[(6, "number")]["reason"]
    assert errors[(4, "inventoryState")]["inventoryState"] == "Sleeping"  # the original row
    assert "Ready for SMS" in errors[(4, "inventoryState")]["reason"]
    good = PhoneNumber.objects.get(number="+12015550101")
    assert good.business == business and good.inventory_state == "Ready for SMS"
    assert PhoneNumber.objects.get(number="+12015550106").enabled is False


@pytest.mark.django_db
@pytest.mark.parametrize("workers", ["1", "2"])
def test_formula_quotes_of_an_export_are_taken_off_before_reading(tmp_path, workers):
    rows = [
        ["'+12015550101", "'=SUM(A1)", "'-team", "'\tTabbed reason "],
        ["'+12015550102", "''@twice", "'plain quote", "'=x"],
        ["+12015550103", " '+1 sales ", "  ", "Plain"],
    ]
    path = write_csv(tmp_path / "in.csv", ["number", "name", "teamId", "healthReason"], rows)

    out, _ = run(str(path), "--no-progress", "--workers", workers)

    assert "Created 3" in out
    got = {
        number: (name, team, reason)
        for number, name, team, reason in PhoneNumber.objects.values_list(
            "number", "name", "team_id", "health_reason"
        )
    }
    assert got == {
        # One quote off; what it protected kept as written (the leading tab), the end trimmed.
        "+12015550101": ("=SUM(A1)", "-team", "\tTabbed reason"),
        "+12015550102": ("'@twice", "'plain quote", "=x"),
        # Not a quote the export adds (it follows a space): the cell is read as it is.
        "+12015550103": ("'+1 sales", None, "Plain"),
    }


@pytest.mark.django_db
def test_error_report_quotes_cells_a_spreadsheet_would_run(tmp_path):
    rows = [
        ["+12015550101", "=cmd|' /C calc'!A0", "Sleeping"],  # row 2: a raw formula
        ["'+12015550102", "'=already quoted", "Sleeping"],  # row 3: quoted by an export
    ]
    path = write_csv(tmp_path / "in.csv", ["number", "name", "inventoryState"], rows)
    report = tmp_path / "errors.csv"

    run_failing(str(path), "--errors", str(report), "--no-progress")

    errors = {int(e["row"]): e for e in read_report(report)}
    assert (errors[2]["number"], errors[2]["name"]) == ("'+12015550101", "'=cmd|' /C calc'!A0")
    assert (errors[3]["number"], errors[3]["name"]) == ("'+12015550102", "'=already quoted")
    # Fixed and imported again, the report's cells mean what the file's cells meant.
    fixed = tmp_path / "fixed.csv"
    with report.open(newline="", encoding="utf-8") as f:
        cells = [[e["number"], e["name"], "Available"] for e in csv.DictReader(f)]
    run(str(write_csv(fixed, ["number", "name", "inventoryState"], cells)), "--no-progress")
    assert dict(PhoneNumber.objects.values_list("number", "name")) == {
        "+12015550101": "=cmd|' /C calc'!A0",
        "+12015550102": "=already quoted",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["\u0665\u0660", "1\u0660", "\uff15\uff10", "5\u0e50"])
def test_percent_of_non_ascii_digits_is_an_invalid_row(tmp_path, score):
    path = write_csv(
        tmp_path / "in.csv", ["number", "warmupHealthScore"], [["+12015550101", score]]
    )
    report = tmp_path / "errors.csv"

    run_failing(str(path), "--errors", str(report), "--no-progress")

    assert [(e["column"], e["reason"]) for e in read_report(report)] == [
        ("warmupHealthScore", "Must be an integer from 0 to 100.")
    ]
    assert not PhoneNumber.objects.exists()


@pytest.mark.django_db
def test_errors_without_report_are_printed(tmp_path):
    path = write_csv(tmp_path / "in.csv", ["number"], [["12"], ["+12015550101"]])
    _, err, message = run_failing(str(path), "--no-progress")
    assert "Row 2 number:" in err
    assert "--errors" in message
    assert PhoneNumber.objects.count() == 1


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_says_so(tmp_path):
    PhoneNumberFactory(number="+12015550150")
    BusinessFactory(name="Acme Roofing")
    before = db_state()
    out, _ = run(str(EXAMPLE), "--dry-run", "--no-progress")
    assert db_state() == before
    assert "nothing was written" in out
    assert "Would create 19" in out and "skip 1" in out


@pytest.mark.django_db
def test_dry_run_update_writes_nothing(tmp_path):
    PhoneNumberFactory(number="+12015550100", name="Old")
    path = write_csv(tmp_path / "in.csv", ["number", "name"], [["+12015550100", "New"]])
    before = db_state()
    out, _ = run(str(path), "--dry-run", "--on-conflict", "update", "--no-progress")
    assert db_state() == before
    assert "update 1" in out


@pytest.mark.django_db
def test_on_conflict_skip_is_the_default(tmp_path):
    existing = PhoneNumberFactory(number="+12015550100", name="Old")
    path = write_csv(
        tmp_path / "in.csv", ["number", "name"], [["+12015550100", "New"], ["+12015550101", "B"]]
    )
    out, _ = run(str(path), "--no-progress")
    existing.refresh_from_db()
    assert existing.name == "Old"
    assert "Created 1" in out and "skipped 1" in out
    assert not PhoneNumberEvent.objects.filter(phone_number=existing).exists()


@pytest.mark.django_db
def test_on_conflict_update_changes_only_given_columns_with_one_event(tmp_path):
    business = BusinessFactory(name="Acme Roofing")
    existing = PhoneNumberFactory(
        number="+12015550100", name="Old", business=business, inventory_state="Assigned"
    )
    untouched = PhoneNumberFactory(number="+12015550101", name="Same")
    path = write_csv(
        tmp_path / "in.csv",
        ["number", "name", "warmupHealthScore", "tenDlcCampaignStatus", "billingMonthlyAmount"],
        [
            ["+12015550100", "New", "42", "Approved", "1.50"],
            ["+12015550101", "Same", "", "", ""],
        ],
    )
    user = UserFactory(username="ops", first_name="Olga", last_name="Ops")
    out, _ = run(str(path), "--on-conflict", "update", "--user", "ops", "--no-progress")
    existing.refresh_from_db()
    assert existing.name == "New" and existing.warmup_health_score == 42
    assert existing.ten_dlc.campaign_status == "Approved"
    assert str(existing.billing.monthly_amount) == "1.50"
    assert existing.business == business and existing.inventory_state == "Assigned"
    assert existing.version == 2
    (event,) = PhoneNumberEvent.objects.filter(phone_number=existing)
    assert event.type == EventType.UPDATED and event.actor == user
    assert event.data["before"]["name"] == "Old" and event.data["after"]["name"] == "New"
    assert event.data["after"]["warmupHealthScore"] == 42
    assert event.data["after"]["tenDlc.campaignStatus"] == "Approved"
    assert not PhoneNumberEvent.objects.filter(phone_number=untouched).exists()
    assert "updated 1" in out and "1 unchanged" in out


@pytest.mark.django_db
def test_on_conflict_update_refuses_a_forbidden_transition(tmp_path):
    existing = PhoneNumberFactory(number="+12015550100")
    path = write_csv(
        tmp_path / "in.csv", ["number", "inventoryState"], [["+12015550100", "Assigned"]]
    )
    _, err, _message = run_failing(str(path), "--on-conflict", "update", "--no-progress")
    existing.refresh_from_db()
    assert existing.inventory_state == "Available"
    assert "Row 2 inventoryState" in err


@pytest.mark.django_db
def test_on_conflict_fail_stops_and_rolls_back_the_batch(tmp_path):
    PhoneNumberFactory(number="+12015550102")
    rows = [[f"+120155501{i:02d}"] for i in range(5)]
    path = write_csv(tmp_path / "in.csv", ["number"], rows)
    _, _, message = run_failing(str(path), "--on-conflict", "fail", "--no-progress")
    assert "Row 4" in message and "+12015550102" in message
    assert PhoneNumber.objects.count() == 1


@pytest.mark.django_db
def test_unknown_columns_are_rejected_before_any_row(tmp_path):
    path = write_csv(tmp_path / "in.csv", ["number", "colour", "size"], [["+12015550100", "", ""]])
    before = db_state()
    _, _, message = run_failing(str(path), "--no-progress")
    assert "colour, size" in message and "inventoryState" in message
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_column_the_field_table_lets_no_staff_door_write_is_rejected(tmp_path, monkeypatch, fmt):
    # The import writes what field_ownership lets staff write; were a column's field the
    # system's alone, the file would be refused before any row.
    monkeypatch.setitem(FIELD_OWNERS, "tenDlc.campaignStatus", Owner.SYSTEM)
    if fmt == "csv":
        path = write_csv(
            tmp_path / "in.csv", ["number", "tenDlcCampaignStatus"], [["+12015550100", "x"]]
        )
    else:
        path = tmp_path / "in.jsonl"
        path.write_text(json.dumps({"number": "+12015550100", "tenDlcCampaignStatus": "x"}))
    before = db_state()

    _, _, message = run_failing(str(path), "--no-progress")

    assert "no import may write: tenDlcCampaignStatus" in message
    assert db_state() == before


@pytest.mark.django_db
def test_unknown_keys_in_jsonl_are_rejected(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"number": "+12015550100", "colour": "red"}) + "\n")
    _, _, message = run_failing(str(path), "--no-progress")
    assert "colour" in message and PhoneNumber.objects.count() == 0


@pytest.mark.django_db
def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out, _ = run(str(empty), "--no-progress")
    assert "Created 0" in out
    header = write_csv(tmp_path / "header.csv", ["number", "name"], [])
    out, _ = run(str(header), "--no-progress")
    assert "Created 0" in out and "0 rows" in out
    assert PhoneNumber.objects.count() == 0


@pytest.mark.django_db
def test_non_utf8_file_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("number,name\n+12015550100,Caf\u00e9\n".encode("latin-1"))
    _, _, message = run_failing(str(path), "--no-progress")
    assert "not UTF-8" in message and "0xe9" in message
    assert PhoneNumber.objects.count() == 0


@pytest.mark.django_db
def test_jsonl_with_native_values(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [
        {"number": "+12015550100", "enabled": False, "warmupHealthScore": 55},
        {"number": "+12015550101", "capabilities_sms": "no", "warmup_state": None},
        {"number": "+12015550102", "warmupProgressPercent": 101},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    report = tmp_path / "errors.csv"
    run_failing(str(path), "--errors", str(report), "--no-progress")
    first = PhoneNumber.objects.get(number="+12015550100")
    assert first.enabled is False and first.warmup_health_score == 55
    second = PhoneNumber.objects.get(number="+12015550101")
    assert second.capability_sms is False and second.warmup_state is None
    (error,) = read_report(report)
    assert error["row"] == "3" and error["column"] == "warmupProgressPercent"
    assert json.loads(error["original"])["warmupProgressPercent"] == 101


@pytest.mark.django_db
def test_stdin(tmp_path, monkeypatch):
    data = b"number,name\n+12015550100,From stdin\n"

    class FakeStdin:
        buffer = io.BytesIO(data)

        def close(self):  # worker processes close stdin when they start
            pass

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    out, _ = run("-", "--format", "csv", "--no-progress")
    assert PhoneNumber.objects.get().name == "From stdin"
    assert "Created 1" in out


@pytest.mark.django_db
def test_snake_case_headers_and_default_business(tmp_path):
    business = BusinessFactory(name="Acme Roofing")
    path = write_csv(
        tmp_path / "in.csv",
        ["number", "name", "inventory_state", "warmup_health_score", "ten_dlc_brand_id"],
        [["+12015550100", "Snake", "Ready for SMS", "7", "BRAND1"]],
    )
    run(str(path), "--business", "Acme Roofing", "--no-progress")
    number = PhoneNumber.objects.get()
    assert number.business == business and number.inventory_state == "Ready for SMS"
    assert number.warmup_health_score == 7 and number.ten_dlc.brand_id == "BRAND1"
    assert number.billing.business_id == business.pk


@pytest.mark.django_db
def test_unknown_default_business_is_an_error(tmp_path):
    _, _, message = run_failing(str(EXAMPLE), "--business", "Nobody", "--no-progress")
    assert "Nobody" in message


@pytest.mark.django_db
def test_events_written_and_rerun_is_idempotent(tmp_path):
    BusinessFactory(name="Acme Roofing")
    run(str(EXAMPLE), "--no-progress", "--batch-size", "7")
    first = db_state()
    out, _ = run(str(EXAMPLE), "--no-progress", "--batch-size", "3")
    assert db_state() == first
    assert "Created 0" in out and "skipped 20" in out
    assert PhoneNumberEvent.objects.filter(type=EventType.IMPORTED).count() == 20
    event = PhoneNumberEvent.objects.filter(type=EventType.IMPORTED).first()
    assert event.data["after"]["number"] == event.phone_number.number
    assert "phone-numbers.csv" in event.title


@pytest.mark.django_db
def test_a_duplicate_in_a_later_batch_is_still_reported_with_the_first_row(tmp_path):
    rows = [["+12015550101"], ["+12015550102"], ["+12015550103"], ["+1 201 555 0101"]]
    path = write_csv(tmp_path / "in.csv", ["number"], rows)
    report = tmp_path / "errors.csv"
    out, _, _ = run_failing(
        str(path), "--errors", str(report), "--batch-size", "1", "--no-progress"
    )
    assert "Created 3" in out and "invalid 1" in out
    (error,) = read_report(report)
    assert error["row"] == "5" and "earlier in the file (row 2)" in error["reason"]


def test_seen_numbers_remember_the_first_row_of_each_number():
    seen = SeenNumbers()
    numbers = [12015550000 + k * 65536 for k in range(50)]  # all in one bucket
    assert all(seen.first_row(n, row) is None for row, n in enumerate(numbers, start=2))
    assert seen.first_row(numbers[17], 900) == 19
    assert seen.first_row(999_999_999_999_999, 901) is None  # 15 digits fit


@pytest.mark.django_db
def test_a_number_created_by_someone_else_mid_batch_is_skipped_not_duplicated():
    # Someone creates +12015550102 after the batch looked up which numbers exist and
    # before it writes them: the write must skip it (PostgreSQL: the COPY fails on the
    # unique index, is rolled back to its savepoint and retried without it).
    existing = PhoneNumberFactory(number="+12015550102")
    untouched = list(PhoneNumber.objects.filter(pk=existing.pk).values())

    class LookupMissesTheFirstTime(Importer):
        looked_up = 0

        def _existing_numbers(self, numbers):
            self.looked_up += 1
            return set() if self.looked_up == 1 else super()._existing_numbers(numbers)

    validator = Validator(default_business=None, businesses=Businesses())
    importer = LookupMissesTheFirstTime(validator=validator, source_name="race.csv")
    rows = []
    for row, number in enumerate(["+12015550101", "+12015550102", "+12015550103"], start=2):
        values = {"number": number}
        valid, errors = validator.validate(row, values, [number], parse_cells(values))
        assert not errors
        rows.append(valid)

    assert importer.write(rows) == []

    assert importer.totals.created == 2 and importer.totals.skipped == 1
    # PostgreSQL looked again after the failed COPY; SQLite's insert ignores conflicts.
    assert importer.looked_up == (2 if connection.vendor == "postgresql" else 1)
    assert list(PhoneNumber.objects.filter(number="+12015550102").values()) == untouched
    for number in PhoneNumber.objects.filter(number__in=["+12015550101", "+12015550103"]):
        assert_complete(number)
    assert not PhoneNumberEvent.objects.filter(phone_number=existing).exists()


@pytest.mark.django_db
def test_imported_numbers_and_events_get_time_ordered_ids(tmp_path):
    path = write_csv(tmp_path / "in.csv", ["number"], [["+12015550101"], ["+12015550102"]])
    run(str(path), "--no-progress")
    for number in PhoneNumber.objects.all():
        assert number.pk.version == 7
        assert number.events.get().pk.version == 7


@pytest.mark.django_db
def test_a_released_number_can_be_imported_again(tmp_path):
    PhoneNumberFactory(number="+12015550100", inventory_state=InventoryState.RELEASED)
    path = write_csv(tmp_path / "in.csv", ["number"], [["+12015550100"]])
    out, _ = run(str(path), "--no-progress")
    assert "Created 1" in out
    assert PhoneNumber.objects.not_released().get().number == "+12015550100"


@pytest.mark.django_db
def test_export_value_round_trips_through_columns():
    BusinessFactory(name="Acme Roofing")
    run(str(EXAMPLE), "--no-progress")
    row = PhoneNumber.objects.filter(number="+12025550151").values(*EXPORT_LOOKUPS).get()
    instance = PhoneNumber.objects.select_related("business", "ten_dlc", "billing").get(
        number="+12025550151"
    )
    for column in COLUMNS.values():
        assert export_value(column, row) == export_value(column, instance)
        value = export_value(column, row)
        if value is not None and column.name != "businessName":
            assert column.parse(csv_cell(value)) == column.parse(value)
    assert export_value("businessName", row) == "Acme Roofing"
    assert export_value("capabilitiesSms", row) is True


# --- kill -9 mid-import, then re-run (PostgreSQL) -----------------------------------


def _subprocess_env() -> dict:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test")
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return env


def _counts() -> tuple[int, int, int, int, int]:
    return (
        PhoneNumber.objects.count(),
        PhoneNumber.objects.values("number").distinct().count(),
        TenDlc.objects.count(),
        Billing.objects.count(),
        PhoneNumberEvent.objects.filter(type=EventType.IMPORTED).count(),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_import_then_rerun_ends_like_a_clean_run(tmp_path):
    total = 30_000
    area_codes = ["201", "202", "203", "205", "206", "207", "208", "209", "210", "212"]
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["number", "name", "warmupHealthScore"])
        for i in range(total):
            area = area_codes[i // 10_000]
            exchange = 234
            writer.writerow([f"+1{area}{exchange}{i % 10_000:04d}", f"Line {i}", i % 101])
    command = [
        sys.executable,
        str(REPO / "manage.py"),
        "import_phone_numbers",
        str(path),
        "--batch-size",
        "500",
    ]
    env = _subprocess_env()
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while PhoneNumber.objects.count() < 2_000 and time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    killed_at = PhoneNumber.objects.count()
    assert 0 < killed_at < total, stderr
    # No half-written batch: every number that landed has all of its rows.
    assert _counts()[2:] == (killed_at, killed_at, killed_at)

    rerun = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"skipped {killed_at:,}" in rerun.stdout
    assert _counts() == (total, total, total, total, total)
    duplicates = PhoneNumber.objects.values("number").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()


# --- changes of owner: the API's rule, row errors instead of tracebacks -------------------


def configured(business, **fields) -> PhoneNumber:
    """A number of `business` with everything a business sets up on it."""
    number = PhoneNumberFactory(business=business, inventory_state="Assigned", **fields)
    PhoneNumber.objects.filter(pk=number.pk).update(
        team_id="team-b", routing_messaging_profile_id="mp-b", health_reason="B's note"
    )
    TenDlc.objects.filter(phone_number=number).update(brand_id="brand-b", campaign_id="tcr-b")
    Billing.objects.filter(phone_number=number).update(
        business=business, subscription_item_id="sub_b", monthly_amount="1.15"
    )
    return number


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [False, True])
def test_update_moves_a_default_number_to_the_pool_as_the_api_does(tmp_path, dry_run):
    """The example file on the demo database died here with an IntegrityError: a default
    number moved to the pool kept its default flag."""
    business = BusinessFactory(name="Bravo")
    number = configured(business, number="+12015550100", is_default=True)
    path = write_csv(
        tmp_path / "in.csv",
        ["number", "businessId", "inventoryState"],
        [["+12015550100", "", "Available"]],
    )
    before = db_state()

    out, _ = run(str(path), "--on-conflict", "update", "--no-progress", *(["--dry-run"] * dry_run))

    assert "invalid 0" in out or "0 invalid" in out
    if dry_run:
        assert db_state() == before
        return
    number.refresh_from_db()
    assert number.business is None and number.inventory_state == "Available"
    assert number.is_default is False and number.team_id is None
    assert number.ten_dlc.brand_id is None and number.billing.monthly_amount is None
    assert number.billing.business is None
    left = PhoneNumberEvent.objects.get(phone_number=number, type=EventType.UNASSIGNED)
    assert left.business_id == business.pk and left.data["before"]["teamId"] == "team-b"
    assert left.actor_name == "An import"


@pytest.mark.django_db
def test_update_moving_a_number_to_another_business_clears_the_previous_owners_data(tmp_path):
    bravo, charlie = BusinessFactory(name="Bravo"), BusinessFactory(name="Charlie")
    number = configured(bravo, number="+12015550100")
    path = write_csv(tmp_path / "in.csv", ["number", "businessName"], [["+12015550100", "Charlie"]])

    run(str(path), "--on-conflict", "update", "--no-progress")

    number.refresh_from_db()
    assert number.business == charlie and number.billing.business == charlie
    assert number.team_id is None and number.ten_dlc.campaign_id is None
    assert number.health_reason == "Reported under a previous owner."
    events = {e.type: e for e in PhoneNumberEvent.objects.filter(phone_number=number)}
    assert events[EventType.UNASSIGNED].business_id == bravo.pk
    assert events[EventType.ASSIGNED].business_id == charlie.pk
    assert "team-b" not in json.dumps(events[EventType.ASSIGNED].data)


@pytest.mark.django_db
def test_a_change_the_database_refuses_is_that_rows_error_not_a_traceback():
    """The planner keeps rows within the rules the database enforces; should a row still
    break one (a constraint it does not know), that row is reported and the batch goes on."""
    from phonenumbers_app.imports.service import _PlannedRow
    from phonenumbers_app.imports.validate import ValidRow

    business = BusinessFactory(name="Bravo")
    number = PhoneNumberFactory(business=business, number="+12015550100")
    validator = Validator(default_business=None, businesses=Businesses())
    importer = Importer(validator=validator, on_conflict="update")
    row = ValidRow(row=7, number=number.number, business_id=None, business_given=False)
    # Available with a business: refused by phone_number_available_is_unassigned.
    planned = _PlannedRow(row, number, {"inventory_state": "Available"}, {}, {})

    with transaction.atomic():
        error = importer._apply_one(planned)
        assert PhoneNumber.objects.filter(inventory_state="Available").count() == 0

    assert error.row == 7 and "refused" in error.reason
