"""The dashboard's numbers add up in a real browser: a bar's count is the number of rows
of the list it opens; the businesses index, a business's page and a number page whose long
provider ids wrap inside their card. Screenshots at 1366x900 go to SCREENSHOT_DIR."""

import re
from decimal import Decimal

from django.core.cache import cache

from phonenumbers_app.models import Billing, TenDlc
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = BROWSER_MARKS

BAR_LABEL = re.compile(r"^(?P<chart>.+) (?P<value>[^:]+): (?P<count>\d+)$")


def _more_inventory(business):
    """Beside the shared `inventory`: Active numbers and released ones still "Active",
    numbers never enrolled in warmup, one without a 10DLC row, a blocked one."""
    for _ in range(2):
        PhoneNumberFactory(
            business=business,
            inventory_state=InventoryState.RELEASED,
            status=PhoneNumberStatus.ACTIVE,
            enabled=False,
        )
    for _ in range(2):
        PhoneNumberFactory(business=business, warmup_state=None, health_status=None)
    for _ in range(3):
        PhoneNumberFactory(business=business, status=PhoneNumberStatus.ACTIVE)
    no_row = PhoneNumberFactory(business=business, name="No campaign")
    TenDlc.objects.filter(phone_number=no_row).delete()
    PhoneNumberFactory(
        business=business,
        health_status=WarmupHealthState.BLOCKED,
        health_reason="Blocked: carrier filtering",
    )


def _rows(page) -> int:
    return page.locator("table.data tbody tr:has(a[href^='/ops/numbers/'])").count()


def _follow_bar_and_count(page, live_server, label: str) -> tuple[int, int]:
    page.goto(f"{live_server.url}/ops/")
    bar = page.locator(f'a.bar-link[aria-label^="{label}:"]')
    on_bar = int(BAR_LABEL.match(bar.get_attribute("aria-label")).group("count"))
    bar.click()
    page.wait_for_url(re.compile(r"/ops/numbers/\?"))
    return on_bar, _rows(page)


def test_a_bar_counts_the_rows_of_the_list_it_opens(page, live_server, inventory):
    business = inventory["warming"].business
    _more_inventory(business)
    cache.clear()  # counts cached for a minute: count this inventory
    log_in(page, live_server)
    assert page.locator("text=All numbers, released included").count() == 1
    shot(page, "dashboard")

    for label in [
        "Status Active",
        "Inventory state Released",
        "Warmup Not enrolled",
        "Health Not assessed",
        "10DLC campaign Not registered",
        "Inventory state Assigned",
    ]:
        on_bar, listed = _follow_bar_and_count(page, live_server, label)
        assert on_bar == listed, f"{label}: bar {on_bar}, list {listed} rows"
        assert on_bar > 0, label

    page.goto(f"{live_server.url}/ops/")
    total = page.locator("#attention-total").inner_text()
    page.click("#attention-all")
    page.wait_for_url(re.compile(r"needsAttention=true"))
    assert total.startswith(f"{_rows(page)} numbers need attention"), total


def test_businesses_index_and_a_business_page(page, live_server, inventory):
    business = inventory["warming"].business
    _more_inventory(business)
    for name in ["Globex", "Initech", "Umbrella Health", "Wayne Logistics"]:
        other = BusinessFactory(name=name)
        PhoneNumberFactory(business=other)
    log_in(page, live_server)

    page.click("header.top >> text=Businesses")
    page.wait_for_url(re.compile(r"/ops/businesses/$"))
    assert page.locator("table.business-index tbody tr").count() == 5
    shot(page, "businesses-index")
    page.fill("#business-search", "acme")
    page.click("form.search button")
    assert page.locator("table.business-index tbody tr").count() == 1

    page.click("text=Acme Roofing")
    page.wait_for_url(re.compile(r"/ops/businesses/[0-9a-f-]+/$"))
    held = int(page.locator("#held-total").inner_text())
    assert page.locator("text=Available").count() == 0
    shot(page, "business-page")
    page.click("#held-total a")
    page.wait_for_url(re.compile(r"businessId="))
    assert _rows(page) == held


def test_long_provider_ids_wrap_inside_the_number_card(page, live_server, inventory):
    long_id = "PN" + "0123456789abcdef" * 7 + "XYZ" + "9" * 3  # 120 characters
    assert len(long_id) == 120
    number = PhoneNumberFactory(
        business=inventory["warming"].business,
        provider="telnyx",
        provider_phone_number_id=long_id,
        provider_order_id="ORD-" + long_id[:100],
    )
    Billing.objects.filter(phone_number=number).update(monthly_amount=Decimal("1.15"))
    log_in(page, live_server)

    page.goto(f"{live_server.url}/ops/numbers/{number.pk}/")
    assert "$1.15 USD" in page.locator("#billing-title").locator("xpath=..").inner_text()
    card = page.locator("#provider-title").locator("xpath=..")
    card_box = card.bounding_box()
    for dd in card.locator("dd").all():
        box = dd.bounding_box()
        assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 1
        assert dd.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert page.evaluate("document.documentElement.scrollWidth <= 1366")
    card.scroll_into_view_if_needed()
    shot(page, "number-page-wrapping")
