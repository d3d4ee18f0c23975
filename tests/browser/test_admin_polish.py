"""The admin and the problem pages as a person sees them at 1366 x 900 (Playwright with
Debian's Chromium): the phone-number list fits the window, the index lists each model
once, problem pages show formatted text. Screenshots go to SCREENSHOT_DIR."""

from datetime import UTC, datetime

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = BROWSER_MARKS

WINDOW_WIDTH = 1366


def test_the_admin_phone_number_list_fits_a_1366_px_window(page, live_server, inventory):
    # The widest values the demo has: a long business name and a long line name.
    long_business = BusinessFactory(name="Northwind Realty & Property Management Group")
    PhoneNumberFactory(
        business=long_business,
        name="After-hours overflow line for the downtown leasing office",
        warmup_enabled=True,
        warmup_state=WarmupHealthState.NEEDS_ATTENTION,
        health_status=WarmupHealthState.NEEDS_ATTENTION,
        warmup_health_score=100,
    )
    # The widest badges of each column.
    PhoneNumberFactory(
        name="Provisioning retry",
        inventory_state=InventoryState.PENDING_VERIFICATION,
        status=PhoneNumberStatus.FAILED_PROVISIONING,
        warmup_state=WarmupHealthState.NEEDS_ATTENTION,
        health_status=WarmupHealthState.NEEDS_ATTENTION,
    )
    # A modified time in every row, with the longest month and time the admin writes.
    PhoneNumber.objects.update(modified_at=datetime(2026, 9, 28, 10, 59, tzinfo=UTC))
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/phonenumbers_app/phonenumber/")

    assert page.locator("#result_list tbody tr").count() == 12
    widths = page.evaluate(
        """() => {
            const results = document.querySelector("#changelist .results");
            const cells = [...document.querySelectorAll("#result_list thead th")];
            return {
                page: document.documentElement.scrollWidth,
                results: results.scrollWidth - results.clientWidth,
                columns: Object.fromEntries(cells.map(c => [c.className, c.offsetWidth])),
            };
        }"""
    )
    shot(page, "admin-phone-numbers")
    # The page does not scroll sideways, nor does the table inside its own box (the admin
    # gives the results an overflow of their own: a table too wide is cut off there).
    assert widths["page"] <= WINDOW_WIDTH, widths
    assert widths["results"] == 0, widths


def test_the_admin_index_lists_api_keys_once(page, live_server, inventory):
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/")

    assert page.get_by_role("link", name="API keys", exact=True).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= WINDOW_WIDTH
    shot(page, "admin-index")


def test_a_problem_page_shows_its_text_formatted(page, live_server):
    page.goto(f"{live_server.url}/problems/validation-error")

    assert page.locator(".description code", has_text="errors").count() == 1
    assert "`" not in page.locator(".description").inner_text()
    assert page.locator("h2", has_text="All problem types").count() == 1
    shot(page, "problem-page")
