"""Acting on reconciliation findings (providers/findings.py): each action through the
inventory's services with its event and the operator as the actor, the finding closed
with who and when; and what is refused, changing nothing: a finding resolved already,
of an older or a dry-run report, of a number changed since, an action of another kind.

The provider is tests/providers/reconcile/conftest.py's fake of providers/base.py.
"""

from __future__ import annotations

import pytest

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services import phone_number_update
from phonenumbers_app.vocabularies import EventType, InventoryState, PhoneNumberStatus
from providers import findings
from providers.base import ProviderError
from providers.findings import FindingNotActionable
from providers.models import ReconciliationFinding
from providers.reconciliation import reconcile
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = ReconciliationFinding.Kind
Resolution = ReconciliationFinding.Resolution
UNKNOWN_NUMBER = "+13125550177"


@pytest.fixture
def operator(db):
    return UserFactory(username="olive", first_name="Olive", is_staff=True, is_superuser=True)


def finding_of(report, kind: str) -> ReconciliationFinding:
    return report.findings.get(kind=kind)


def take(finding, action, user):
    return findings.take(finding_id=finding.pk, action=action, acting_user=user)


def snapshot() -> tuple:
    return (
        list(PhoneNumber.objects.order_by("pk").values_list("pk", "version")),
        PhoneNumberEvent.objects.count(),
        list(ReconciliationFinding.objects.order_by("pk").values_list("pk", "resolution")),
    )


def assert_closed(finding, resolution, user):
    finding.refresh_from_db()
    assert finding.resolution == resolution
    assert finding.resolved_by == user
    assert finding.resolved_at is not None


class TestAdopt:
    def test_an_unknown_number_becomes_active_pool_inventory_with_the_providers_id(
        self, provider, operator
    ):
        provider.hold(UNKNOWN_NUMBER, "pn-x", status="active")
        finding = finding_of(reconcile("simulated").report, Kind.UNKNOWN)

        take(finding, findings.ADOPT, operator)

        adopted = PhoneNumber.objects.get(number=UNKNOWN_NUMBER)
        assert (adopted.inventory_state, adopted.status) == (
            InventoryState.AVAILABLE,
            PhoneNumberStatus.ACTIVE,
        )
        assert (adopted.provider, adopted.provider_phone_number_id) == ("simulated", "pn-x")
        assert adopted.provider_status == "active"
        assert adopted.business is None and adopted.enabled
        assert PhoneNumber.objects.pool().filter(pk=adopted.pk).exists()
        event = PhoneNumberEvent.objects.get(phone_number=adopted)
        assert (event.type, event.actor, event.title) == (
            EventType.CREATED,
            operator,
            "Adopted from simulated",
        )
        assert_closed(finding, Resolution.ADOPTED, operator)
        finding.refresh_from_db()
        assert finding.phone_number == adopted
        # The next run finds both sides agreeing.
        assert reconcile("simulated").report.findings.count() == 0

    def test_a_number_the_inventory_took_meanwhile_is_refused_and_nothing_changes(
        self, provider, operator
    ):
        provider.hold(UNKNOWN_NUMBER, "pn-x")
        finding = finding_of(reconcile("simulated").report, Kind.UNKNOWN)
        PhoneNumberFactory(number=UNKNOWN_NUMBER)
        before = snapshot()

        with pytest.raises(Exception, match="already"):
            take(finding, findings.ADOPT, operator)

        assert snapshot() == before

    def test_adopt_all_takes_every_open_unknown_number_and_skips_those_taken_meanwhile(
        self, provider, operator
    ):
        numbers = [f"+1312555{index // 100:02d}{index % 100:02d}" for index in range(300)]
        for index, number in enumerate(numbers):
            provider.hold(number, f"pn-{index}")
        report = reconcile("simulated").report
        PhoneNumberFactory(number=numbers[7])
        left = finding_of_number(report, numbers[8])
        take(left, findings.LEAVE, operator)

        result = findings.adopt_all(report=report, acting_user=operator)

        assert result.adopted == 298
        assert sum(result.skipped.values()) == 1 and not result.more
        assert PhoneNumber.objects.filter(provider="simulated").count() == 298
        assert report.findings.filter(resolution=Resolution.ADOPTED).count() == 298
        assert report.findings.filter(resolution=Resolution.OPEN).count() == 1

    def test_a_tenants_user_may_not_adopt(self, provider, member):
        assert not findings.ADOPT.allowed(member)


def finding_of_number(report, number: str) -> ReconciliationFinding:
    return report.findings.get(number=number)


class TestReleaseHere:
    def test_a_gone_number_is_released_without_asking_the_provider(self, provider, operator):
        gone = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
        finding = finding_of(reconcile("simulated").report, Kind.GONE)

        take(finding, findings.RELEASE_HERE, operator)

        gone.refresh_from_db()
        assert gone.inventory_state == InventoryState.RELEASED
        assert gone.provider_released_at is not None  # nothing left to confirm
        assert ("release", "pn-gone") not in provider.calls
        event = PhoneNumberEvent.objects.get(phone_number=gone, type=EventType.RELEASED)
        assert event.actor == operator
        assert "no longer holds it" in event.details
        assert_closed(finding, Resolution.RELEASED, operator)

    def test_a_number_changed_since_the_report_is_refused_and_nothing_changes(
        self, provider, operator
    ):
        gone = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
        finding = finding_of(reconcile("simulated").report, Kind.GONE)
        phone_number_update(phone_number=gone, acting_user=operator, fields={"name": "Renamed"})
        before = snapshot()

        with pytest.raises(FindingNotActionable, match="changed since this report"):
            take(finding, findings.RELEASE_HERE, operator)

        assert snapshot() == before

    def test_a_recycled_number_released_and_created_again_is_not_released(self, provider, operator):
        gone = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
        finding = finding_of(reconcile("simulated").report, Kind.GONE)
        PhoneNumber.objects.filter(pk=gone.pk).update(inventory_state=InventoryState.RELEASED)
        again = PhoneNumberFactory(number=gone.number)
        before = snapshot()

        with pytest.raises(FindingNotActionable, match="no longer in the inventory"):
            take(finding, findings.RELEASE_HERE, operator)

        assert snapshot() == before
        again.refresh_from_db()
        assert again.inventory_state == InventoryState.AVAILABLE


class TestMismatch:
    @pytest.fixture
    def mismatched(self, provider):
        phone_number = PhoneNumberFactory(
            provider="simulated",
            provider_phone_number_id="pn-1",
            routing_messaging_profile_id="mp-ours",
        )
        provider.hold(phone_number.number, "pn-1", messaging_profile_id="mp-theirs")
        return phone_number

    def test_setting_up_the_provider_as_the_inventory_says(self, provider, operator, mismatched):
        finding = finding_of(reconcile("simulated").report, Kind.MISMATCH)
        assert findings.PUSH in findings.actions_for(finding)

        take(finding, findings.PUSH, operator)

        assert ("configure", "pn-1", "mp-ours", None) in provider.calls
        assert provider.numbers["pn-1"].messaging_profile_id == "mp-ours"
        event = PhoneNumberEvent.objects.filter(phone_number=mismatched).latest("created_at")
        assert event.actor == operator
        assert "as the inventory says" in event.title
        assert_closed(finding, Resolution.FIXED, operator)
        assert reconcile("simulated").report.findings.count() == 0

    def test_a_provider_refusing_the_set_up_changes_nothing(self, provider, operator, mismatched):
        finding = finding_of(reconcile("simulated").report, Kind.MISMATCH)
        provider.configure_error = ProviderError("Messaging profile not found", code="10005")
        before = snapshot()

        with pytest.raises(ProviderError):
            take(finding, findings.PUSH, operator)

        assert snapshot() == before

    def test_taking_the_providers_values(self, provider, operator, mismatched):
        finding = finding_of(reconcile("simulated").report, Kind.MISMATCH)

        take(finding, findings.PULL, operator)

        mismatched.refresh_from_db()
        assert mismatched.routing_messaging_profile_id == "mp-theirs"
        assert mismatched.provider_synced_at is not None
        event = PhoneNumberEvent.objects.filter(phone_number=mismatched).latest("created_at")
        assert event.actor == operator
        assert "mp-theirs" in str(event.data["after"])
        assert_closed(finding, Resolution.UPDATED, operator)
        assert reconcile("simulated").report.findings.count() == 0

    def test_taking_the_providers_id_and_campaign_for_a_number_matched_by_number(
        self, provider, operator
    ):
        phone_number = PhoneNumberFactory(provider=None)
        provider.hold(phone_number.number, "pn-9", campaign_id="C-1")
        finding = finding_of(reconcile("simulated").report, Kind.MISMATCH)
        # No id here to set up the provider by: only taking its values applies.
        assert findings.PUSH not in findings.actions_for(finding)
        with pytest.raises(FindingNotActionable, match="does not apply"):
            take(finding, findings.PUSH, operator)

        take(finding, findings.PULL, operator)

        phone_number.refresh_from_db()
        assert (phone_number.provider, phone_number.provider_phone_number_id) == (
            "simulated",
            "pn-9",
        )
        assert phone_number.ten_dlc.campaign_id == "C-1"


class TestRefusals:
    def test_leave_closes_any_finding_and_changes_no_number(self, provider, operator):
        PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
        provider.hold(UNKNOWN_NUMBER, "pn-x")
        report = reconcile("simulated").report
        numbers = list(PhoneNumber.objects.values_list("pk", "version"))

        for finding in report.findings.all():
            take(finding, findings.LEAVE, operator)
            assert_closed(finding, Resolution.LEFT, operator)

        assert list(PhoneNumber.objects.values_list("pk", "version")) == numbers

    def test_a_resolved_finding_is_refused(self, provider, operator):
        provider.hold(UNKNOWN_NUMBER, "pn-x")
        finding = finding_of(reconcile("simulated").report, Kind.UNKNOWN)
        take(finding, findings.LEAVE, operator)
        before = snapshot()

        with pytest.raises(FindingNotActionable, match="already resolved"):
            take(finding, findings.ADOPT, operator)  # a replayed form, another tab

        assert snapshot() == before

    def test_a_finding_of_an_older_report_is_refused(self, provider, operator):
        provider.hold(UNKNOWN_NUMBER, "pn-x")
        old = finding_of(reconcile("simulated").report, Kind.UNKNOWN)
        reconcile("simulated")
        before = snapshot()

        with pytest.raises(FindingNotActionable, match="newer reconciliation"):
            take(old, findings.ADOPT, operator)

        assert snapshot() == before

    def test_a_dry_runs_finding_is_refused(self, provider, operator):
        provider.hold(UNKNOWN_NUMBER, "pn-x")
        finding = finding_of(reconcile("simulated", dry_run=True).report, Kind.UNKNOWN)
        before = snapshot()

        with pytest.raises(FindingNotActionable, match="dry run"):
            take(finding, findings.ADOPT, operator)

        assert snapshot() == before

    def test_an_action_of_another_kind_is_refused(self, provider, operator):
        gone = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
        finding = finding_of(reconcile("simulated").report, Kind.GONE)
        before = snapshot()

        with pytest.raises(FindingNotActionable, match="does not apply"):
            take(finding, findings.ADOPT, operator)

        assert snapshot() == before
        assert gone.number == finding.number
