"""import_phone_numbers' rows in the metrics, by result; a dry run counts nothing."""

from __future__ import annotations

import pytest

from tests.commands.test_import_phone_numbers import run, run_failing, write_csv
from tests.factories import BusinessFactory, PhoneNumberFactory
from tests.metrics import value

pytestmark = pytest.mark.django_db

ROWS = "inventory_import_rows_total"
RESULTS = ("created", "updated", "unchanged", "skipped", "refused", "invalid")


def counts() -> dict[str, float]:
    return {result: value(ROWS, result=result) for result in RESULTS}


def moved(before: dict[str, float]) -> dict[str, float]:
    after = counts()
    return {
        result: after[result] - before[result]
        for result in RESULTS
        if after[result] != before[result]
    }


def test_created_skipped_and_invalid_rows_are_counted(tmp_path):
    PhoneNumberFactory(number="+12015550100")
    path = write_csv(
        tmp_path / "in.csv",
        ["number", "name"],
        [["+12015550100", "There"], ["+12015550101", "New"], ["not a number", "Bad"]],
    )
    before = counts()

    run_failing(str(path), "--no-progress", "--workers", "1")

    assert moved(before) == {"created": 1, "skipped": 1, "invalid": 1}


def test_updated_unchanged_and_refused_rows_are_counted(tmp_path):
    business = BusinessFactory()
    PhoneNumberFactory(number="+12015550100", name="Old")
    PhoneNumberFactory(number="+12015550101", name="Same")
    PhoneNumberFactory(number="+12015550102", name="Third", inventory_state="Failed")
    path = write_csv(
        tmp_path / "in.csv",
        ["number", "name", "inventoryState", "businessId"],
        [
            ["+12015550100", "New", "", ""],
            ["+12015550101", "Same", "", ""],
            # A valid row the domain refuses: Failed → Assigned is not a transition.
            ["+12015550102", "Third", "Assigned", str(business.pk)],
        ],
    )
    before = counts()

    run_failing(str(path), "--on-conflict", "update", "--no-progress", "--workers", "1")

    assert moved(before) == {"updated": 1, "unchanged": 1, "refused": 1}


def test_a_dry_run_counts_nothing(tmp_path):
    path = write_csv(tmp_path / "in.csv", ["number"], [["+12015550101"], ["+12015550102"], ["bad"]])
    before = counts()

    run_failing(str(path), "--dry-run", "--no-progress", "--workers", "1")
    run(
        str(write_csv(tmp_path / "ok.csv", ["number"], [["+12015550103"]])),
        "--dry-run",
        "--no-progress",
    )

    assert moved(before) == {}
