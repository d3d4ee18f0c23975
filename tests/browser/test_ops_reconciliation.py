"""/ops/reconciliation/ in Chromium: the latest report of the provider account, its
findings by kind, adopting an unknown number through the confirmation page, and a
refused release in the dashboard's "Needs attention". Screenshots at 1366x900 go to
SCREENSHOT_DIR (reconciliation-*.png).

The provider is the in-test fake of providers/base.py (tests/providers/reconcile/conftest.py),
put behind providers.accounts in this process, where the live server's threads run too.
"""

import re

import pytest
from django.core.cache import cache

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState
from providers import accounts
from providers.reconciliation import reconcile
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.factories import PhoneNumberFactory
from tests.providers.reconcile.conftest import FakeProvider

pytestmark = BROWSER_MARKS


@pytest.fixture
def provider(monkeypatch) -> FakeProvider:
    fake = FakeProvider()
    monkeypatch.setattr(accounts, "_build", lambda name, key: fake)
    return fake


def test_an_operator_reads_the_report_and_adopts_an_unknown_number(
    page, live_server, inventory, provider
):
    for index in range(3):
        provider.hold(f"+1312555017{index}", f"pn-x{index}", status="active")
    business = inventory["warming"].business
    PhoneNumberFactory(business=business, provider="simulated", provider_phone_number_id="pn-gone")
    mismatched = PhoneNumberFactory(
        business=business,
        provider="simulated",
        provider_phone_number_id="pn-m",
        routing_messaging_profile_id="40017a2e-ours",
    )
    provider.hold(mismatched.number, "pn-m", messaging_profile_id="40017a2e-theirs")
    # Released here, its release refused: the provider still holds it (no finding).
    locked = PhoneNumberFactory(
        inventory_state=InventoryState.RELEASED,
        provider="simulated",
        provider_phone_number_id="pn-locked",
        provider_error="Number is under a port-out order (code 10015)",
        enabled=False,
    )
    provider.hold(locked.number, "pn-locked")
    reconcile("simulated", dry_run=True)
    report = reconcile("simulated").report
    cache.clear()

    log_in(page, live_server)
    assert page.locator("#attention-total").is_visible()
    assert page.get_by_text("Release refused at the provider: Number is under a port-out").count()
    page.click("header nav >> text=Reconciliation")
    page.wait_for_url(re.compile(r"/ops/reconciliation/$"))
    summary = page.locator("#summary-simulated")
    assert "5 at the provider, 2 in the inventory, 1 matched" in summary.inner_text()
    assert page.locator("#past-reports tbody tr").count() == 2
    shot(page, "reconciliation-overview")

    summary.locator("a.finding-count[data-kind=unknown]").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/\?kind=unknown"))
    assert page.locator("#findings tbody tr").count() == 3
    shot(page, "reconciliation-report-unknown")

    page.locator("#findings tbody tr").first.get_by_text("Adopt as pool inventory").click()
    assert "enters the inventory's pool" in page.locator("main").inner_text()
    page.get_by_role("button", name="Adopt as pool inventory").click()
    page.wait_for_url(re.compile(r"\?kind=unknown$"))
    assert "+13125550170: Adopted as pool inventory." in page.locator(".messages").inner_text()
    assert PhoneNumber.objects.get(number="+13125550170").inventory_state == "Available"

    page.get_by_role("link", name=re.compile(r"^Set up differently")).click()
    shown = page.locator("#findings").inner_text()
    assert "here 40017a2e-ours · at the provider 40017a2e-theirs" in shown
    shot(page, "reconciliation-report-mismatch")
