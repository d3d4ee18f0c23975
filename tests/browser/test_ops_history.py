"""A number's history shows what changed, before → after, in Chromium: on its /ops page
and in the admin."""

from decimal import Decimal

from accounts.models import User
from phonenumbers_app import services
from phonenumbers_app.models import PhoneNumberEvent
from tests.browser.browsing import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_the_history_shows_a_renamed_number_s_old_and_new_name(page, live_server, inventory):
    number = inventory["warming"]
    services.phone_number_update(
        phone_number=number,
        acting_user=User.objects.get(username="operator"),
        fields={"name": "Reception", "enabled": False},
        ten_dlc={"campaign_status": "Approved"},
    )

    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/numbers/{number.pk}/")

    newest = page.locator("#timeline > li").first
    name = newest.locator('.change[data-field="name"]')
    assert name.locator("dt").inner_text() == "Name"  # its colon is the stylesheet's
    assert name.locator("dd").inner_text() == "Front desk → Reception"
    assert name.locator("del").inner_text() == "Front desk"
    assert name.locator("ins").inner_text() == "Reception"
    campaign = newest.locator('.change[data-field="tenDlc.campaignStatus"]')
    assert campaign.inner_text().split("\n")[0].startswith("10DLC campaign status")
    assert newest.locator('.change[data-field="enabled"] dd').inner_text() == "Yes → No"
    # Label and values side by side on one line at 1366 px.
    label_box = name.locator("dt").bounding_box()
    value_box = name.locator("dd").bounding_box()
    assert abs(label_box["y"] - value_box["y"]) < 4 and value_box["x"] > label_box["x"]
    page.locator("#timeline-title").scroll_into_view_if_needed()
    shot(page, "history-number-page")


def test_the_admin_shows_an_event_s_changes_not_its_json(page, live_server, inventory):
    number = inventory["warming"]
    services.phone_number_update(
        phone_number=number,
        acting_user=User.objects.get(username="operator"),
        fields={"name": "Reception"},
        billing={"monthly_amount": Decimal("1.15")},
    )
    event = PhoneNumberEvent.objects.get(phone_number=number)

    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/phonenumbers_app/phonenumberevent/{event.pk}/change/")
    changes = page.locator("ul.event-changes")
    assert changes.locator('li[data-field="name"]').inner_text() == "Name: Front desk → Reception"
    assert "Monthly amount: — → $1.15 USD" in changes.inner_text()
    assert not page.locator(".field-data").is_visible()  # the stored JSON, folded
    shot(page, "history-admin-event")

    page.goto(f"{live_server.url}/admin/phonenumbers_app/phonenumberevent/")
    assert "Name: Front desk → Reception" in page.locator("#result_list").inner_text()
    shot(page, "history-admin-events")
