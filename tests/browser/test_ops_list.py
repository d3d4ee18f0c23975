"""The numbers list in Chromium: a business picked by typing its name, the chips, the
count, paging back and forth."""

import re

import pytest
from playwright.sync_api import expect

from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = BROWSER_MARKS


@pytest.fixture
def many_numbers(inventory):
    """Sixty more numbers over three businesses, some warming, some released."""
    businesses = [
        BusinessFactory(name=name) for name in ("Blue Harbor Dental", "Brightline Solar", "Zenith")
    ]
    for index in range(60):
        business = businesses[index % 3]
        PhoneNumberFactory(
            business=business,
            name=f"Line {index}",
            status=PhoneNumberStatus.ACTIVE if index % 5 else PhoneNumberStatus.SUSPENDED,
            warmup_state=WarmupHealthState.WARMING if index % 2 else None,
            inventory_state=InventoryState.RELEASED if index % 10 == 9 else InventoryState.ASSIGNED,
        )
    return businesses


def _count(page) -> str:
    return page.locator("#match-count strong").inner_text()


def test_operator_picks_a_business_by_name_and_narrows_with_chips(page, live_server, many_numbers):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/")
    assert _count(page) == "64"  # 70 numbers, 6 released and hidden
    shot(page, "list-01-all")

    page.fill("#id_business", "Bright")
    expect(page.locator("#business-options option")).to_have_count(1)
    assert page.locator("#business-options option").get_attribute("value") == "Brightline Solar"
    page.fill("#id_business", "Brightline Solar")
    page.locator("details.multi", has_text="Status").locator("summary").click()
    page.check("input[name=status][value=Active]")
    shot(page, "list-02-status-dropdown")
    page.click("text=Apply filters")

    page.wait_for_url(re.compile(r"businessId="))
    chips = page.locator("li.chip").all_inner_texts()
    assert [chip.rstrip(" \u00d7\n") for chip in chips] == [
        "Business: Brightline Solar",
        "Status: Active",
    ]
    rows = page.locator("table.numbers tbody tr")
    assert _count(page) == str(rows.count())
    assert page.locator("details.multi .picked").first.inner_text() == "Any"
    shot(page, "list-03-business-and-status")

    page.click("a[aria-label='Remove filter Status: Active']")
    page.wait_for_load_state()
    assert [c for c in page.locator("li.chip").all_inner_texts() if "Status" in c] == []
    assert int(_count(page)) == page.locator("table.numbers tbody tr").count()


def test_paging_back_and_forth_and_showing_released(page, live_server, many_numbers):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/?pageSize=25&orderBy=number")
    first = page.locator("table.numbers tbody tr td:nth-child(2)").all_inner_texts()
    page.click("a[rel=next]")
    page.click("a[rel=next]")
    assert page.locator("table.numbers tbody tr").count() == 14
    page.click("a[rel=prev]")
    page.click("a[rel=prev]")
    assert page.locator("table.numbers tbody tr td:nth-child(2)").all_inner_texts() == first

    page.check("input[name=released]")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r"released=show"))
    assert _count(page) == "70"
    released = page.locator("tr.released")
    assert released.count() > 0
    assert released.locator(".badge-active").count() == 0
    shot(page, "list-04-with-released")
