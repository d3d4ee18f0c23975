"""manage.py reconcile_provider, and the read-only admin of reports and findings.

The provider is tests/providers/reconcile/conftest.py's fake of providers/base.py.
"""

from __future__ import annotations

from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from providers.base import ProviderError
from providers.models import ReconciliationReport
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_provider", *args, stdout=out)
    return out.getvalue()


def test_the_command_stores_a_report_and_prints_its_summary(provider):
    provider.hold("+13125550177", "pn-x")
    PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-gone")

    printed = run("--provider", "simulated")

    report = ReconciliationReport.objects.get()
    assert not report.dry_run
    assert printed.startswith("simulated: 1 at the provider, 1 in the inventory, 0 matched; ")
    assert "1 unknown here, 1 gone at the provider, 0 set up differently" in printed
    assert str(report.pk) in printed


def test_a_dry_run_says_so_and_stores_a_dry_run_report(provider):
    printed = run("--provider", "simulated", "--dry-run")

    assert "(dry run)" in printed
    assert ReconciliationReport.objects.get().dry_run


def test_a_provider_without_an_account_here_is_a_clear_error(provider):
    with pytest.raises(CommandError, match=r"No Telnyx account is configured here.*simulated"):
        run("--provider", "telnyx")
    assert not ReconciliationReport.objects.exists()


def test_a_failing_provider_is_an_error_with_its_reason(provider):
    provider.owned_error = ProviderError("401 Unauthorized")

    with pytest.raises(CommandError, match="failed: 401 Unauthorized"):
        run("--provider", "simulated")
    assert ReconciliationReport.objects.get().status == ReconciliationReport.Status.FAILED


def test_the_admin_lists_reports_and_findings_read_only(client, provider):
    provider.hold("+13125550177", "pn-x")
    run("--provider", "simulated")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    report = ReconciliationReport.objects.get()
    finding = report.findings.get()

    for name, obj in (("reconciliationreport", report), ("reconciliationfinding", finding)):
        listed = client.get(reverse(f"admin:providers_{name}_changelist"))
        assert listed.status_code == HTTPStatus.OK
        shown = client.get(reverse(f"admin:providers_{name}_change", args=[obj.pk]))
        assert shown.status_code == HTTPStatus.OK
        assert 'name="_save"' not in shown.content.decode()
        assert client.get(reverse(f"admin:providers_{name}_add")).status_code == (
            HTTPStatus.FORBIDDEN
        )
    assert (
        "+13125550177"
        in client.get(
            reverse("admin:providers_reconciliationfinding_changelist"), {"q": "+13125550177"}
        ).content.decode()
    )
