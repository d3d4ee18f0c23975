"""warmup/sending.py: each condition list's query (`keeps`) keeps exactly the numbers its
row test (`blocker`) lets send, on every kind of row, for both channels and both lists
(sending at all, sending to leads)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonenumbers_app.models import PhoneNumber, TenDlc
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    TenDlcCampaignStatus,
    WarmupHealthState,
)
from tests.factories import BusinessFactory, PhoneNumberFactory
from warmup import capacity, sending
from warmup.models import NumberWarmup
from warmup.vocabularies import PacingStatus

pytestmark = pytest.mark.django_db

NO_ROW = "no row"
# Each column the rule reads, with every value it can take (None where it may be null;
# NO_ROW where the related row may be missing).
DOMAINS: dict[str, list[Any]] = {
    "enabled": [True, False],
    "inventory_state": list(InventoryState.values),
    "status": list(PhoneNumberStatus.values),
    "warmup_state": [None, *WarmupHealthState.values],
    "warmup_enabled": [True, False],
    "capability_sms": [True, False],
    "capability_voice": [True, False],
    "routing_sms_enabled": [True, False],
    "routing_voice_enabled": [True, False],
    "routing_warmup_only": [False, True],
    "routing_internal_test_only": [False, True],
    "pacing_status": [NO_ROW, *PacingStatus.values],
    "campaign_status": [TenDlcCampaignStatus.APPROVED, None, NO_ROW, "Unheard-of"]
    + [s for s in TenDlcCampaignStatus.values if s != TenDlcCampaignStatus.APPROVED],
}
# A number that may send anything to leads: each row differs from it somewhere.
SENDABLE = {
    "enabled": True,
    "inventory_state": InventoryState.ASSIGNED,
    "status": PhoneNumberStatus.ACTIVE,
    "warmup_state": WarmupHealthState.READY,
    "warmup_enabled": True,
    "capability_sms": True,
    "capability_voice": True,
    "routing_sms_enabled": True,
    "routing_voice_enabled": True,
    "routing_warmup_only": False,
    "routing_internal_test_only": False,
    "pacing_status": PacingStatus.HEALTHY,
    "campaign_status": TenDlcCampaignStatus.APPROVED,
}
CONDITION_LISTS = {
    f"{name}-{channel}": conditions(channel)
    for name, conditions in (
        ("sending", sending.sending_conditions),
        ("leads", sending.lead_conditions),
    )
    for channel in capacity.CHANNELS
}


def one_at_a_time() -> list[dict]:
    """The sendable number, and each value of each column changed alone."""
    rows = [dict(SENDABLE)]
    for column, values in DOMAINS.items():
        rows += [{**SENDABLE, column: value} for value in values if value != SENDABLE[column]]
    return rows


def mixed(count: int, seed: int) -> list[dict]:
    """Rows with several columns off at once, drawn from a seeded random."""
    draw = random.Random(seed)
    rows = []
    for _ in range(count):
        row = dict(SENDABLE)
        for column in draw.sample(list(DOMAINS), draw.randint(1, 4)):
            row[column] = draw.choice(DOMAINS[column])
        rows.append(row)
    return rows


def make(rows: list[dict]) -> dict:
    """The rows in the database: {pk: the row as described}."""
    business = BusinessFactory()
    made = {}
    for i, row in enumerate(rows):
        fields = {k: v for k, v in row.items() if k not in ("pacing_status", "campaign_status")}
        unassigned = fields["inventory_state"] == InventoryState.AVAILABLE
        number = PhoneNumberFactory(
            number=f"+1415{i // 10000 % 10}{i:06d}"[:12],
            business=None if unassigned else business,
            **fields,
        )
        if row["pacing_status"] != NO_ROW:
            NumberWarmup.objects.create(phone_number=number, pacing_status=row["pacing_status"])
        if row["campaign_status"] == NO_ROW:
            TenDlc.objects.filter(phone_number=number).delete()
        else:
            TenDlc.objects.filter(phone_number=number).update(
                campaign_status=row["campaign_status"]
            )
        made[number.pk] = row
    return made


def assert_query_and_row_test_agree(made: dict) -> None:
    rows = PhoneNumber.objects.filter(pk__in=made).select_related("warmup", "ten_dlc")
    for name, conditions in CONDITION_LISTS.items():
        kept = set(
            PhoneNumber.objects.filter(pk__in=made)
            .filter(sending.keeps(conditions))
            .values_list("pk", flat=True)
        )
        passing = {
            n.pk for n in rows if sending.blocker(conditions, n, getattr(n, "warmup", None)) is None
        }
        disagree = [made[pk] for pk in kept ^ passing]
        assert not disagree, (name, disagree[:3])


def test_the_sendable_row_passes_every_list():
    (pk,) = make([SENDABLE])
    number = PhoneNumber.objects.select_related("warmup", "ten_dlc").get(pk=pk)
    for conditions in CONDITION_LISTS.values():
        assert sending.blocker(conditions, number, number.warmup) is None
        assert PhoneNumber.objects.filter(sending.keeps(conditions), pk=pk).exists()


def test_each_column_changed_alone():
    made = make(one_at_a_time())
    assert_query_and_row_test_agree(made)
    # The matrix is not vacuous: every list refuses some rows and keeps some.
    for conditions in CONDITION_LISTS.values():
        kept = PhoneNumber.objects.filter(pk__in=made).filter(sending.keeps(conditions)).count()
        assert 0 < kept < len(made)


def test_several_columns_changed_at_once():
    assert_query_and_row_test_agree(make(mixed(400, seed=13)))


row_strategy = st.fixed_dictionaries({column: st.sampled_from(v) for column, v in DOMAINS.items()})


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row_strategy, min_size=1, max_size=12))
def test_any_rows(rows):
    PhoneNumber.objects.all().delete()
    assert_query_and_row_test_agree(make(rows))


def test_leads_need_more_than_sending():
    """Every row kept for leads is kept for sending at all, on each channel."""
    made = make(one_at_a_time() + mixed(100, seed=7))
    for channel in capacity.CHANNELS:
        leads = PhoneNumber.objects.filter(pk__in=made).filter(
            sending.keeps(sending.lead_conditions(channel))
        )
        at_all = PhoneNumber.objects.filter(pk__in=made).filter(
            sending.keeps(sending.sending_conditions(channel))
        )
        assert set(leads.values_list("pk", flat=True)) <= set(at_all.values_list("pk", flat=True))
