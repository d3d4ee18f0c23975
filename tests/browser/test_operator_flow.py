"""The operator's day in a real browser: Debian's Chromium driven by Playwright.

Skipped where Chromium is not installed (a machine with only Python); CI installs
it (`apt-get install -y chromium`) and runs these. Screenshots of every page go to
SCREENSHOT_DIR (default artifacts/screenshots), to be looked at by a person.
"""

import re
from datetime import timedelta

from django.utils import timezone

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import WarmupHealthState
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.warmup_factories import DailyStatsFactory, EngineRunFactory, NumberWarmupFactory
from warmup.clock import eastern_day

pytestmark = BROWSER_MARKS


def test_operator_follows_a_chart_bar_and_pauses_warmup(page, live_server, inventory):
    log_in(page, live_server)
    assert page.locator("h1").inner_text() == "Inventory at a glance"
    assert page.locator("text=Delivery rate 71%").count() == 1
    shot(page, "01-dashboard")

    page.click('a[aria-label="Inventory state Available: 4"]')
    page.wait_for_url(re.compile(r"inventoryState=Available"))
    # The list's vocabularies are checkboxes now (the numbers list's drop-down checkboxes).
    assert page.locator('input[name="inventoryState"][value="Available"]').is_checked()
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 4
    for index in range(4):
        assert "Available" in rows.nth(index).inner_text()
    shot(page, "02-numbers-filtered-by-chart")

    page.goto(f"{live_server.url}/ops/numbers/{inventory['warming'].pk}/")
    assert page.locator("#progress").get_attribute("value") == "45"
    shot(page, "03-number")

    page.click("text=Pause warmup")
    page.fill("textarea[name=reason]", "Carrier complaints from T-Mobile")
    shot(page, "04-pause-confirmation")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/ops/numbers/{inventory['warming'].pk}/$"))
    first_event = page.locator("#timeline li").first.inner_text()
    assert "Warmup paused" in first_event
    assert "Olive Operator" in first_event
    shot(page, "05-number-after-pause")

    event = PhoneNumberEvent.objects.get(phone_number=inventory["warming"])
    assert event.details == "Carrier complaints from T-Mobile"


def test_operator_pauses_warmup_from_the_admin(page, live_server, inventory):
    log_in(page, live_server)
    target = inventory["admin_target"]
    page.goto(f"{live_server.url}/admin/phonenumbers_app/phonenumber/")
    shot(page, "06-admin-changelist")

    page.check(f'input[name="_selected_action"][value="{target.pk}"]')
    page.select_option('select[name="action"]', "pause_warmup")
    page.click('button[name="index"]')
    page.fill("textarea[name=reason]", "Paused from the admin")
    shot(page, "07-admin-pause-form")
    page.click("input[type=submit].default")
    page.locator("text=Paused: 1 number(s).").wait_for()

    page.goto(f"{live_server.url}/admin/phonenumbers_app/phonenumber/{target.pk}/change/")
    page.locator("text=Warmup paused").first.wait_for()
    shot(page, "08-admin-change-page")
    page.goto(f"{live_server.url}/ops/businesses/{target.business_id}/")
    shot(page, "09-business")

    target.refresh_from_db()
    assert target.warmup_state == "Paused"
    assert target.warmup_pause_reason == "Paused from the admin"


def test_release_asks_first_in_the_admin_and_on_the_ops_page(page, live_server, inventory):
    log_in(page, live_server)
    target = inventory["admin_target"]
    page.goto(f"{live_server.url}/admin/phonenumbers_app/phonenumber/")
    page.check(f'input[name="_selected_action"][value="{target.pk}"]')
    page.select_option('select[name="action"]', "release")
    page.click('button[name="index"]')
    page.locator("text=Releasing cannot be undone").wait_for()
    assert target.number in page.locator("#content").inner_text()
    shot(page, "10-admin-release-confirmation")
    target.refresh_from_db()
    assert target.inventory_state != "Released"

    page.click("input[type=submit].default")
    page.locator("text=Released: 1 number(s).").wait_for()
    target.refresh_from_db()
    assert target.inventory_state == "Released"

    warming = inventory["warming"]
    page.goto(f"{live_server.url}/ops/numbers/{warming.pk}/release/")
    assert "Releasing cannot be undone" in page.locator(".irreversible").inner_text()
    shot(page, "11-ops-release-confirmation")


def test_api_docs_render_under_the_content_security_policy(page, live_server, inventory):
    page.goto(f"{live_server.url}/docs")
    page.locator("text=/phone-numbers").first.wait_for()
    shot(page, "12-api-docs")


def test_a_locked_out_login_gets_the_lockout_page(page, live_server, inventory, settings):
    page.goto(f"{live_server.url}/admin/login/?next=/ops/")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.fill("#id_username", "operator")
        page.fill("#id_password", f"wrong-{attempt}")
        page.click("input[type=submit]")
        if attempt < settings.AXES_FAILURE_LIMIT - 1:
            page.locator("#id_password").wait_for()
    page.locator("h1", has_text="Too many failed logins").wait_for()
    assert "axes_reset_username operator" in page.content()
    shot(page, "13-login-locked-out")


def test_number_page_shows_thirty_days_of_warmup(page, live_server, inventory):
    warming = inventory["warming"]
    reason = "Carrier rejections rose to 9% over the last 7 days (limit 5%)."
    cooldown_until = timezone.now() + timedelta(hours=20)
    # As the engine leaves a number it paused: the number's columns agree with its engine row.
    PhoneNumber.objects.filter(pk=warming.pk).update(
        warmup_state=WarmupHealthState.PAUSED,
        warmup_pause_reason=f"Paused automatically: {reason}",
        warmup_next_action_at=cooldown_until,
    )
    NumberWarmupFactory(
        phone_number=warming,
        plan_day=12,
        pacing_status="cooling_down",
        auto_paused=True,
        cooldown_until=cooldown_until,
        last_action="paused",
        last_action_reason=reason,
        last_action_at=timezone.now(),
    )
    today = eastern_day(timezone.now())
    for back in range(30):
        sent = 20 + 40 * (29 - back)
        failed = sent // 8 if back < 3 else sent // 50
        DailyStatsFactory(
            phone_number=warming,
            day=today - timedelta(days=back),
            sms_sent=sent,
            sms_delivered=sent - failed,
            sms_carrier_rejected=failed,
            opt_outs=back % 4,
            recipients=sent,
        )
    EngineRunFactory(
        finished_at=timezone.now() + timedelta(seconds=83), evaluated=40, changed=1, paused=1
    )
    log_in(page, live_server)
    page.locator("#engine-run", has_text="1 paused").wait_for()
    shot(page, "14-dashboard-engine-run")

    page.goto(f"{live_server.url}/ops/numbers/{warming.pk}/")

    card = page.locator("#warmup-engine")
    assert "Day 12 of 21" in card.inner_text()
    assert "Carrier rejections rose to 9%" in card.inner_text()
    assert card.locator("figure.day-chart").count() == 3
    assert card.locator("figure.day-chart svg g.day").count() == 90
    card.locator("details.day-table summary").click()
    assert card.locator("details.day-table tbody tr").count() == 30
    card.scroll_into_view_if_needed()
    shot(page, "15-number-warmup")
