"""The numbers list in Chromium: a business picked by typing its name, the chips, the
count, paging back and forth."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)
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


def test_operator_pauses_warmup_on_every_number_a_filter_matches(page, live_server, many_numbers):
    blue = many_numbers[0]
    warming = list(
        PhoneNumber.objects.filter(business=blue, warmup_state=WarmupHealthState.WARMING).exclude(
            inventory_state=InventoryState.RELEASED
        )
    )
    for number in warming:  # pausable: enrolled in warmup
        number.warmup_enabled = True
        number.save(update_fields=["warmup_enabled"])
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/?business=Blue+Harbor&warmupState=Warming")
    assert _count(page) == str(len(warming))
    page.select_option("#id_action", "pause-warmup")
    page.click("#apply-matching")

    page.wait_for_url(re.compile(r"/ops/numbers/bulk/"))
    assert page.locator("h1").inner_text() == f"Pause warmup: {len(warming)} numbers"
    page.fill("textarea[name=reason]", "Carrier complaint on Blue Harbor's traffic")
    shot(page, "list-05-bulk-pause-confirm")
    page.click("button[name=confirmed]")

    page.wait_for_url(re.compile(r"/ops/numbers/\?"))
    assert f"{len(warming)} numbers" in page.locator(".messages").inner_text()
    assert _count(page) == "0"  # none of them is Warming any more
    shot(page, "list-06-bulk-pause-done")
    paused = PhoneNumber.objects.filter(pk__in=[n.pk for n in warming])
    assert {n.warmup_state for n in paused} == {WarmupHealthState.PAUSED}
    assert PhoneNumberEvent.objects.filter(
        phone_number__in=warming, type=EventType.WARMUP_PAUSED
    ).count() == len(warming)


def test_operator_ticks_two_rows_and_disables_them(page, live_server, many_numbers):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/?business=Zenith&orderBy=number")
    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert page.locator("#apply-selected").inner_text() == "Apply to 2 selected"
    chosen = [boxes.nth(i).get_attribute("value") for i in (0, 1)]
    page.select_option("#id_action", "disable")
    page.click("#apply-selected")

    page.wait_for_url(re.compile(r"/ops/numbers/bulk/"))
    page.click("button[name=confirmed]")
    page.wait_for_url(re.compile(r"/ops/numbers/\?"))
    assert set(
        PhoneNumber.objects.filter(enabled=False).values_list("pk", flat=True).iterator()
    ) >= {uuid.UUID(pk) for pk in chosen}
    assert PhoneNumber.objects.filter(business__name="Zenith", enabled=False).count() == 2
