"""/ops/'s bulk actions in Chromium: the confirmation pages, the message on the list and the
progress page of a run on the workers.

The list's row checkboxes post the same form (action, scope, ids or query); here the form
is posted from the list page itself, as they would.
"""

import re

import pytest

from accounts.models import User
from phonenumbers_app import services
from phonenumbers_app.models import BulkActionRun, PhoneNumber, PhoneNumberEvent
from phonenumbers_app.pages import bulk as bulk_page
from phonenumbers_app.services import bulk
from phonenumbers_app.vocabularies import EventType, InventoryState, WarmupHealthState
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = BROWSER_MARKS

POST_FROM_THE_PAGE = """fields => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/ops/numbers/bulk/";
  for (const [name, value] of fields) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def post_bulk(page, fields: list[tuple[str, str]]) -> None:
    """Post the bulk form from the current page, with its CSRF token, and wait for what
    it answers."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    with page.expect_navigation():
        page.evaluate(POST_FROM_THE_PAGE, [("csrfmiddlewaretoken", token), *fields])


@pytest.fixture
def fleet(inventory):
    """Acme Roofing's warming numbers (the inventory's two, and more), two of them already
    paused, one with warmup off; and numbers in states a move treats differently."""
    business = inventory["warming"].business
    operator = User.objects.get(username="operator")  # the inventory's
    warm = {"warmup_enabled": True, "warmup_state": WarmupHealthState.WARMING}
    for index in range(6):
        PhoneNumberFactory(business=business, name=f"Outbound {index}", **warm)
    for index in range(2):
        number = PhoneNumberFactory(business=business, name=f"Paused {index}", **warm)
        services.phone_number_warmup_pause(
            phone_number=number, acting_user=operator, reason="Complaints"
        )
    elsewhere = BusinessFactory(name="Bayside Dental")
    movers = [
        PhoneNumberFactory(business=elsewhere, name="Ready", inventory_state="Ready for SMS"),
        PhoneNumberFactory(business=elsewhere, name="Broken", inventory_state="Failed"),
        PhoneNumberFactory(business=elsewhere, name="Broken too", inventory_state="Failed"),
        PhoneNumberFactory(business=elsewhere, name="Already", inventory_state="Assigned"),
    ]
    return {"business": business, "elsewhere": elsewhere, "movers": movers}


def test_bulk_pause_of_a_filtered_selection_through_its_confirmation(page, live_server, fleet):
    business = fleet["business"]
    query = f"businessId={business.pk}"
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/?{query}")

    post_bulk(page, [("action", "pause-warmup"), ("scope", "matching"), ("query", query)])

    assert page.url.endswith("/ops/numbers/bulk/")
    heading = page.locator("h1").inner_text()
    counts = page.locator(".bulk-counts").inner_text()
    assert heading == "Pause warmup: 14 numbers"
    assert counts == "8 will change, 6 will be skipped."
    assert "Skipped: already paused" in page.content()
    page.fill("textarea[name=reason]", "Carrier complaints from T-Mobile")
    shot(page, "bulk-confirm-pause")

    page.click("button[name=confirmed]")
    page.wait_for_url(re.compile(rf"/ops/numbers/\?{re.escape(query)}$"))
    message = page.locator(".messages li").first.inner_text()
    assert message.startswith("Paused warmup on 8 numbers; 6 skipped (")
    shot(page, "bulk-done")

    paused = PhoneNumberEvent.objects.filter(
        type=EventType.WARMUP_PAUSED, details="Carrier complaints from T-Mobile"
    )
    assert paused.count() == 8
    assert (
        PhoneNumber.objects.filter(business=business, warmup_state=WarmupHealthState.PAUSED).count()
        == 10
    )


def test_bulk_move_skips_the_numbers_that_may_not_move_there(page, live_server, fleet):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/?businessId={fleet['elsewhere'].pk}")
    ids = [("ids", str(n.pk)) for n in fleet["movers"]]

    post_bulk(page, [("action", "move"), ("scope", "selected"), *ids])
    page.select_option("select[name=inventory_state]", "Assigned")
    page.click("text=Show what will change")
    page.locator(".bulk-counts").wait_for()

    assert page.locator(".bulk-counts").inner_text() == "1 will change, 3 will be skipped."
    content = page.content()
    assert "Skipped: Failed → Assigned is not allowed" in content
    assert "Skipped: already in Assigned" in content
    assert page.locator("button[name=confirmed]").inner_text() == "Move 1 number to Assigned"
    shot(page, "bulk-confirm-move")

    page.click("button[name=confirmed]")
    page.locator(".messages li").first.wait_for()
    assert page.locator(".messages li").first.inner_text() == (
        "Moved 1 number to Assigned; 3 skipped "
        "(2 Failed → Assigned is not allowed, 1 already in Assigned)."
    )
    states = sorted(
        PhoneNumber.objects.filter(business=fleet["elsewhere"]).values_list(
            "inventory_state", flat=True
        )
    )
    assert states == [InventoryState.ASSIGNED, InventoryState.ASSIGNED, "Failed", "Failed"]


def test_a_large_selection_shows_its_progress(page, live_server, fleet, monkeypatch):
    # A "large" selection of 14 in chunks of 5: the run goes to the workers (here the
    # test settings' in-memory broker, so the test applies a chunk itself, as a worker).
    monkeypatch.setattr(bulk_page, "INLINE_LIMIT", 5)
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 5)
    query = f"businessId={fleet['business'].pk}"
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/?{query}")
    post_bulk(
        page,
        [("action", "disable"), ("scope", "matching"), ("query", query), ("confirmed", "1")],
    )
    page.wait_for_url(re.compile(r"/ops/bulk/[0-9a-f-]+/$"))
    run = BulkActionRun.objects.get()
    ids = list(
        PhoneNumber.objects.filter(business=fleet["business"])
        .order_by("number", "id")
        .values_list("pk", flat=True)
    )
    bulk.bulk_run_chunk(run_id=run.pk, index=0, ids=ids[:5])

    page.reload()
    assert page.locator("label[for=bulk-progress]").inner_text() == "5 of 14 (36%)"
    shot(page, "bulk-progress")
