"""/ops/reconciliation/: the latest report per provider, a report's findings by kind with
their actions (a confirmation, then a POST with its CSRF token), "Run now", and who may
do what: tenants reach nothing, staff without the phone-number permissions read only.

The provider is tests/providers/reconcile/conftest.py's fake of providers/base.py.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState
from providers import reconcile_tasks
from providers.models import ReconciliationFinding, ReconciliationReport
from providers.reconciliation import reconcile
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = ReconciliationFinding.Kind
Resolution = ReconciliationFinding.Resolution


@pytest.fixture
def operator(db):
    return UserFactory(username="olive", first_name="Olive", is_staff=True, is_superuser=True)


@pytest.fixture
def ops(client, operator) -> Client:
    client.force_login(operator)
    return client


@pytest.fixture
def report(provider):
    provider.hold("+13125550177", "pn-x", status="active")
    provider.hold("+13125550178", "pn-y", status="active")
    PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")
    mismatched = PhoneNumberFactory(
        provider="simulated", provider_phone_number_id="pn-m", routing_messaging_profile_id="mp-a"
    )
    provider.hold(mismatched.number, "pn-m", messaging_profile_id="mp-b")
    return reconcile("simulated").report


def finding(report, kind) -> ReconciliationFinding:
    return report.findings.filter(kind=kind).order_by("number").first()


def action_url(finding, slug: str) -> str:
    return reverse("providers:reconciliation-finding-action", args=[finding.pk, slug])


def test_the_overview_shows_the_latest_report_per_provider_and_the_past_ones(ops, report):
    older = ReconciliationReport.objects.create(provider="simulated", dry_run=True)
    ReconciliationReport.objects.filter(pk=older.pk).update(
        started_at=report.started_at.replace(year=2020)
    )

    page = ops.get(reverse("providers:reconciliation"))

    assert page.status_code == HTTPStatus.OK
    text = page.content.decode()
    assert 'href="/ops/reconciliation/"' in text and "Reconciliation</a>" in text  # the nav
    assert "2 at the provider" not in text  # 3: two unknown and one mismatched
    assert "3 at the provider, 2 in the inventory, 1 matched" in text
    assert f'href="/ops/reconciliation/reports/{report.pk}/?kind=unknown"' in text
    assert text.count("/ops/reconciliation/reports/") >= 3
    assert "Dry run" in text  # the older report, in the list
    assert "Run now" in text


def test_a_report_lists_its_findings_by_kind_with_their_actions(ops, report):
    url = reverse("providers:reconciliation-report", args=[report.pk])

    unknown = ops.get(url, {"kind": "unknown"}).content.decode()
    gone = ops.get(url, {"kind": "gone"}).content.decode()
    mismatch = ops.get(url, {"kind": "mismatch"}).content.decode()

    assert "+13125550177" in unknown and "Adopt as pool inventory" in unknown
    assert "Adopt all open unknown numbers" in unknown
    assert "Release in the inventory" in gone and "Adopt as pool inventory" not in gone
    assert "mp-a" in mismatch and "mp-b" in mismatch
    assert "Set up the provider as the inventory says" in mismatch
    assert "Take the provider&#x27;s values" in mismatch
    assert ops.get(url, {"kind": "bogus"}).status_code == HTTPStatus.NOT_FOUND


def test_the_report_page_reads_a_page_of_findings_in_a_fixed_number_of_queries(
    ops, provider, django_assert_max_num_queries
):
    for index in range(120):
        provider.hold(f"+1312555{index // 100:02d}{index % 100:02d}", f"pn-{index}")
    report = reconcile("simulated").report
    url = reverse("providers:reconciliation-report", args=[report.pk])

    with django_assert_max_num_queries(12):
        page = ops.get(url, {"kind": "unknown", "page": 2})

    assert page.status_code == HTTPStatus.OK
    assert "page 2 of 3" in page.content.decode()


def test_adopting_from_the_page_asks_first_then_adopts(ops, report, operator):
    unknown = finding(report, Kind.UNKNOWN)

    confirm = ops.get(action_url(unknown, "adopt"))
    assert confirm.status_code == HTTPStatus.OK
    assert "enters the inventory&#x27;s pool" in confirm.content.decode()
    assert not PhoneNumber.objects.filter(number=unknown.number).exists()

    done = ops.post(action_url(unknown, "adopt"))

    assert done.status_code == HTTPStatus.FOUND
    assert PhoneNumber.objects.get(number=unknown.number).inventory_state == "Available"
    unknown.refresh_from_db()
    assert (unknown.resolution, unknown.resolved_by) == (Resolution.ADOPTED, operator)
    followed = ops.get(done["Location"]).content.decode()
    assert "Adopted as pool inventory." in followed


def test_releasing_a_gone_number_from_the_page(ops, report):
    gone = finding(report, Kind.GONE)

    ops.post(action_url(gone, "release"))

    assert PhoneNumber.objects.get(pk=gone.phone_number_id).inventory_state == (
        InventoryState.RELEASED
    )


def test_adopt_all_from_the_page(ops, report):
    url = reverse("providers:reconciliation-adopt-all", args=[report.pk])
    assert "Adopt 2 numbers" in ops.get(url).content.decode()

    ops.post(url)

    assert PhoneNumber.objects.filter(number__in=["+13125550177", "+13125550178"]).count() == 2


def test_a_replayed_or_stale_post_is_refused_on_the_page_and_changes_nothing(ops, report):
    unknown = finding(report, Kind.UNKNOWN)
    ops.post(action_url(unknown, "leave"))
    count = PhoneNumber.objects.count()

    replay = ops.post(action_url(unknown, "adopt"))

    assert replay.status_code == HTTPStatus.OK
    assert "Cannot be done: " in replay.content.decode()
    assert "already resolved" in replay.content.decode()
    assert PhoneNumber.objects.count() == count

    reconcile("simulated")  # a newer report
    other = finding(report, Kind.GONE)
    stale = ops.post(action_url(other, "release"))
    assert "newer reconciliation" in stale.content.decode()
    assert PhoneNumber.objects.get(pk=other.phone_number_id).inventory_state != "Released"
    old_report = ops.get(reverse("providers:reconciliation-report", args=[report.pk]))
    assert "Not the latest report" in old_report.content.decode()


def test_an_action_without_its_csrf_token_is_refused(operator, report):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    unknown = finding(report, Kind.UNKNOWN)

    response = client.post(action_url(unknown, "adopt"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not PhoneNumber.objects.filter(number=unknown.number).exists()


def test_run_now_queues_a_reconciliation(ops, provider, monkeypatch):
    queued = []
    monkeypatch.setattr(
        reconcile_tasks.reconcile_provider, "delay", lambda *args: queued.append(args)
    )

    response = ops.post(reverse("providers:reconciliation-run"), {"provider": "simulated"})
    dry = ops.post(
        reverse("providers:reconciliation-run"), {"provider": "simulated", "dry_run": "on"}
    )
    bogus = ops.post(reverse("providers:reconciliation-run"), {"provider": "telnyx"})

    assert response.status_code == dry.status_code == bogus.status_code == HTTPStatus.FOUND
    assert queued == [("simulated", False), ("simulated", True)]
    assert ops.get(reverse("providers:reconciliation-run")).status_code == (
        HTTPStatus.METHOD_NOT_ALLOWED
    )


class TestWhoMay:
    def test_a_tenant_reaches_no_page_and_no_action(self, client, member, report):
        client.force_login(member)
        unknown = finding(report, Kind.UNKNOWN)
        urls = [
            reverse("providers:reconciliation"),
            reverse("providers:reconciliation-report", args=[report.pk]),
            action_url(unknown, "adopt"),
            reverse("providers:reconciliation-adopt-all", args=[report.pk]),
        ]
        for url in urls:
            assert client.get(url).status_code == HTTPStatus.FOUND  # to the staff login
            assert client.post(url).status_code == HTTPStatus.FOUND
        assert client.post(reverse("providers:reconciliation-run"), {"provider": "simulated"})[
            "Location"
        ].startswith("/admin/login/")
        assert not PhoneNumber.objects.filter(number=unknown.number).exists()
        assert report.findings.filter(resolution=Resolution.OPEN).count() == 4
        assert ReconciliationReport.objects.count() == 1

    def test_staff_without_the_phone_number_permissions_read_only(self, client, report):
        reader = UserFactory(username="reader", is_staff=True)
        client.force_login(reader)
        unknown = finding(report, Kind.UNKNOWN)

        page = client.get(
            reverse("providers:reconciliation-report", args=[report.pk]), {"kind": "unknown"}
        )
        assert page.status_code == HTTPStatus.OK
        assert "Adopt as pool inventory" not in page.content.decode()
        assert "Run now" not in client.get(reverse("providers:reconciliation")).content.decode()
        assert client.post(action_url(unknown, "adopt")).status_code == HTTPStatus.FORBIDDEN
        assert client.post(
            reverse("providers:reconciliation-run"), {"provider": "simulated"}
        ).status_code == (HTTPStatus.FORBIDDEN)

        # The change permission lets them leave or release, not adopt (which adds).
        reader.user_permissions.add(Permission.objects.get(codename="change_phonenumber"))
        reader = type(reader).objects.get(pk=reader.pk)
        client.force_login(reader)
        assert client.post(action_url(unknown, "adopt")).status_code == HTTPStatus.FORBIDDEN
        assert client.post(action_url(unknown, "leave")).status_code == HTTPStatus.FOUND
        assert not PhoneNumber.objects.filter(number=unknown.number).exists()
