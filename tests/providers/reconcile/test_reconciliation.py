"""Reconciliation (providers/reconciliation.py): each kind of finding, what is not one,
dry runs, a failing provider, and the comparison's queries not growing with numbers.

The provider is tests/providers/reconcile/conftest.py's fake of providers/base.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber, TenDlc
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from providers import accounts, reconcile_tasks
from providers.base import ProviderError
from providers.models import ReconciliationFinding, ReconciliationReport
from providers.reconciliation import compare, counts_by_kind, reconcile
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db
Kind = ReconciliationFinding.Kind


def held(provider, provider_id: str, **fields) -> PhoneNumber:
    """A number both sides hold, set up alike."""
    phone_number = PhoneNumberFactory(
        provider="simulated", provider_phone_number_id=provider_id, **fields
    )
    provider.hold(phone_number.number, provider_id)
    return phone_number


def findings(report) -> list[tuple[str, str]]:
    return sorted(report.findings.values_list("kind", "number"))


def test_agreeing_sides_give_a_clean_report(provider):
    numbers = [held(provider, f"pn-{i}") for i in range(3)]

    reconciled = reconcile("simulated")

    report = reconciled.report
    assert report.status == ReconciliationReport.Status.FINISHED
    assert (report.at_provider, report.in_inventory, report.matched) == (3, 3, 3)
    assert findings(report) == []
    assert report.finished_at >= report.started_at
    assert not report.dry_run
    assert len(numbers) == 3


def test_a_number_only_the_provider_holds_is_unknown(provider):
    held(provider, "pn-1")
    provider.hold("+13125550177", "pn-x", status="active", messaging_profile_id="mp-1")

    report = reconcile("simulated").report

    assert findings(report) == [(Kind.UNKNOWN, "+13125550177")]
    finding = report.findings.get()
    assert finding.provider_phone_number_id == "pn-x"
    assert finding.phone_number is None
    assert finding.details["provider"]["status"] == "active"
    assert finding.details["provider"]["messaging_profile_id"] == "mp-1"


def test_a_number_released_and_confirmed_here_but_still_at_the_provider_is_unknown(provider):
    released = PhoneNumberFactory(
        inventory_state=InventoryState.RELEASED,
        provider="simulated",
        provider_phone_number_id="pn-r",
        provider_released_at=timezone.now(),
    )
    provider.hold(released.number, "pn-r")

    assert findings(reconcile("simulated").report) == [(Kind.UNKNOWN, released.number)]


def test_an_unreleased_number_the_provider_no_longer_holds_is_gone(provider):
    held(provider, "pn-1")
    gone = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")

    report = reconcile("simulated").report

    assert findings(report) == [(Kind.GONE, gone.number)]
    finding = report.findings.get()
    assert finding.phone_number == gone
    assert finding.details["version"] == gone.version
    assert (report.in_inventory, report.matched) == (2, 1)


def test_a_number_still_provisioning_from_a_recent_order_is_not_gone_yet(provider):
    PhoneNumberFactory(
        provider="simulated",
        provider_phone_number_id="pn-new",
        status=PhoneNumberStatus.PROVISIONING,
        inventory_state=InventoryState.PENDING_VERIFICATION,
    )
    stale = PhoneNumberFactory(
        provider="simulated",
        provider_phone_number_id="pn-stale",
        status=PhoneNumberStatus.PROVISIONING,
        inventory_state=InventoryState.PENDING_VERIFICATION,
    )
    PhoneNumber.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))

    assert findings(reconcile("simulated").report) == [(Kind.GONE, stale.number)]


def test_numbers_of_other_providers_are_not_compared(provider):
    PhoneNumberFactory(provider="telnyx", provider_phone_number_id="tx-1")
    PhoneNumberFactory(provider=None)

    report = reconcile("simulated").report

    assert findings(report) == []
    assert report.in_inventory == 0


def test_a_messaging_profile_other_than_the_inventorys_is_a_mismatch(provider):
    routed = held(provider, "pn-1", routing_messaging_profile_id="mp-ours")
    provider.hold(routed.number, "pn-1", messaging_profile_id="mp-theirs")
    by_10dlc = held(provider, "pn-2")
    TenDlc.objects.filter(phone_number=by_10dlc).update(messaging_profile_id="mp-10dlc")
    # The provider's default profile on a number the inventory names none for: no finding.
    plain = held(provider, "pn-3")
    provider.hold(plain.number, "pn-3", messaging_profile_id="mp-default")

    report = reconcile("simulated").report

    assert findings(report) == sorted(
        [(Kind.MISMATCH, routed.number), (Kind.MISMATCH, by_10dlc.number)]
    )
    first = report.findings.get(number=routed.number)
    assert first.details["differences"] == {
        "messaging_profile_id": {"inventory": "mp-ours", "provider": "mp-theirs"}
    }
    assert first.phone_number == routed
    second = report.findings.get(number=by_10dlc.number)
    assert second.details["differences"] == {
        "messaging_profile_id": {"inventory": "mp-10dlc", "provider": None}
    }


def test_a_campaign_other_than_the_inventorys_is_a_mismatch_when_the_provider_says_one(
    provider,
):
    ours = held(provider, "pn-1")
    TenDlc.objects.filter(phone_number=ours).update(campaign_id="C-OURS")
    provider.hold(ours.number, "pn-1", campaign_id="C-THEIRS")
    unassigned_here = held(provider, "pn-2")
    provider.hold(unassigned_here.number, "pn-2", campaign_id="C-OLD")
    # The provider does not say (None): nothing to compare.
    silent = held(provider, "pn-3")
    TenDlc.objects.filter(phone_number=silent).update(campaign_id="C-OURS")

    report = reconcile("simulated").report

    differences = {
        f.number: f.details["differences"] for f in report.findings.filter(kind=Kind.MISMATCH)
    }
    assert differences == {
        ours.number: {"campaign_id": {"inventory": "C-OURS", "provider": "C-THEIRS"}},
        unassigned_here.number: {"campaign_id": {"inventory": None, "provider": "C-OLD"}},
    }


def test_a_number_held_here_without_the_providers_id_is_matched_by_number(provider):
    no_id = PhoneNumberFactory(provider="simulated", provider_phone_number_id=None)
    provider.hold(no_id.number, "pn-9")
    typed_in = PhoneNumberFactory(provider=None)
    provider.hold(typed_in.number, "pn-8")
    other_id = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-old")
    provider.hold(other_id.number, "pn-new")

    report = reconcile("simulated").report

    differences = {f.number: f.details["differences"] for f in report.findings.all()}
    assert differences == {
        no_id.number: {"provider_phone_number_id": {"inventory": None, "provider": "pn-9"}},
        typed_in.number: {
            "provider": {"inventory": None, "provider": "simulated"},
            "provider_phone_number_id": {"inventory": None, "provider": "pn-8"},
        },
        # Not also "gone": the row was found by its number.
        other_id.number: {
            "provider_phone_number_id": {"inventory": "pn-old", "provider": "pn-new"}
        },
    }
    assert report.matched == 3


def test_releases_still_pending_are_no_finding_and_those_carried_out_are_confirmed(provider):
    pending = PhoneNumberFactory(
        inventory_state=InventoryState.RELEASED,
        provider="simulated",
        provider_phone_number_id="pn-pending",
    )
    provider.hold(pending.number, "pn-pending")
    carried_out = PhoneNumberFactory(
        inventory_state=InventoryState.RELEASED,
        provider="simulated",
        provider_phone_number_id="pn-done",
        provider_error="locked",
    )

    dry = reconcile("simulated", dry_run=True)
    assert (dry.releases_pending, dry.releases_confirmed) == (1, 0)
    carried_out.refresh_from_db()
    assert carried_out.provider_released_at is None

    reconciled = reconcile("simulated")

    assert findings(reconciled.report) == []
    assert (reconciled.releases_pending, reconciled.releases_confirmed) == (1, 1)
    carried_out.refresh_from_db()
    assert carried_out.provider_released_at is not None
    assert carried_out.provider_error is None
    pending.refresh_from_db()
    assert pending.provider_released_at is None


def test_a_dry_run_stores_its_report_marked_as_one_and_changes_no_number(provider):
    gone = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
    provider.hold("+13125550177", "pn-x")
    before = list(PhoneNumber.objects.values_list("pk", "version"))

    reconciled = reconcile("simulated", dry_run=True)

    assert reconciled.report.dry_run
    assert counts_by_kind(reconciled.report) == {"unknown": 1, "gone": 1, "mismatch": 0}
    assert list(PhoneNumber.objects.values_list("pk", "version")) == before
    assert "(dry run)" in reconciled.summary()
    assert gone.number in {f.number for f in reconciled.report.findings.all()}


def test_a_provider_failing_gives_a_failed_report_and_nothing_else(provider):
    PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
    provider.owned_error = ProviderError("503 Service Unavailable", retryable=True)

    reconciled = reconcile("simulated")

    assert reconciled.report.status == ReconciliationReport.Status.FAILED
    assert reconciled.report.error == "503 Service Unavailable"
    assert not ReconciliationFinding.objects.exists()
    assert "failed" in reconciled.summary()


def test_a_page_cursor_that_repeats_fails_the_report_instead_of_looping(provider):
    from providers.base import OwnedPage

    provider.owned = lambda cursor=None: OwnedPage(numbers=(), next_cursor="same")

    report = reconcile("simulated").report

    assert report.status == ReconciliationReport.Status.FAILED
    assert "same page cursor" in report.error


def _queries_to_reconcile(provider, size: int) -> int:
    ReconciliationReport.objects.all().delete()
    PhoneNumber.objects.all().delete()
    provider.numbers.clear()
    for index in range(size):
        if index % 10 == 0:
            provider.hold(f"+1312555{index // 100:02d}{index % 100:02d}", f"pn-u{index}")
        elif index % 10 == 1:
            PhoneNumberFactory(provider="simulated", provider_phone_number_id=f"pn-g{index}")
        elif index % 10 == 2:
            mismatched = PhoneNumberFactory(
                provider="simulated",
                provider_phone_number_id=None,
                routing_messaging_profile_id="a",
            )
            provider.hold(mismatched.number, f"pn-m{index}", messaging_profile_id="b")
        else:
            held(provider, f"pn-{index}")
    with CaptureQueriesContext(connection) as queries:
        comparison = compare("simulated", accounts.get("simulated"))
    assert len(comparison.findings) == size * 3 // 10
    with CaptureQueriesContext(connection) as writes:
        reconcile("simulated")
    # The findings are inserted in batches (of 1,000; fewer rows per INSERT on SQLite,
    # whose statements take at most 999 parameters).
    # Besides: the report created and saved, a savepoint and its release, the INSERTs.
    assert len(writes) <= len(queries) + 5 + len(comparison.findings) // 100
    return len(queries)


def test_the_comparisons_queries_do_not_grow_with_the_numbers(provider):
    provider.page_size = 1000  # the fake's pages cost no query; one page either way
    few = _queries_to_reconcile(provider, 40)
    many = _queries_to_reconcile(provider, 400)

    assert many == few
    assert ReconciliationFinding.objects.count() == 120  # 40 of each kind


def test_the_beat_task_runs_one_reconciliation_per_configured_account(provider, settings):
    sent = []
    settings.TELNYX_API_KEY = ""
    original = reconcile_tasks.reconcile_provider.delay
    reconcile_tasks.reconcile_provider.delay = lambda name: sent.append(name)
    try:
        assert reconcile_tasks.reconcile_all() == ["simulated"]
    finally:
        reconcile_tasks.reconcile_provider.delay = original
    assert sent == ["simulated"]
    summary = reconcile_tasks.reconcile_provider.apply(("simulated",)).get()
    assert summary.startswith("simulated: 0 at the provider")


def test_a_reconciliation_already_running_is_not_doubled(provider):
    ReconciliationReport.objects.create(provider="simulated")

    summary = reconcile_tasks.reconcile_provider.apply(("simulated",)).get()

    assert summary == "simulated: a reconciliation is already running."
    assert ReconciliationReport.objects.count() == 1
