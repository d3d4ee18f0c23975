"""/ops "Buy numbers" in Chromium: the form, its confirmation, and the order's page
following the order to its end (it reloads itself while the order runs).

The order's job is run by the test (buying.order_run, then the provider's answer through
buying.order_poll) where a worker and the simulated provider's webhook would: the page
is what is under test here; tests/providers/orders/test_buying_end_to_end.py runs the
whole path on a worker.
"""

import re

from providers import buying
from providers.models import NumberOrder
from tests.browser.browsing import BROWSER_MARKS, log_in, shot

pytestmark = BROWSER_MARKS


def test_buying_numbers_from_ops(page, live_server, inventory):
    log_in(page, live_server)
    page.click("nav >> text=Buy numbers")
    page.wait_for_url(re.compile(r"/ops/orders/$"))
    page.fill("#id_area_code", "312")
    page.fill("#id_quantity", "12")
    page.fill("#id_business", "Acme Roofing")
    page.click("button:has-text('Review the order')")
    page.wait_for_selector("text=Buy 12 numbers in area code 312 at Simulated, for Acme Roofing?")
    shot(page, "ops-buy-numbers-confirm")
    assert NumberOrder.objects.count() == 0

    page.click("button:has-text('Buy 12 numbers')")
    page.wait_for_url(re.compile(r"/ops/orders/[0-9a-f-]{36}/$"))
    order = NumberOrder.objects.get()
    assert page.locator("meta[http-equiv=refresh]").count() == 1

    order = buying.order_run(order.pk)  # what the worker does
    page.reload()
    page.wait_for_selector("text=Waiting for the provider")
    assert page.locator("table.order-items tbody tr").count() == 12

    buying.order_poll(order)  # the provider's answer
    page.wait_for_selector("h2:has-text('Completed')", timeout=10_000)  # its own reload
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert page.locator("table.order-items td:text-is('Active')").count() == 12
    assert "12 active, 0 failed of 12 (100%)" in page.inner_text(".order-progress")
    shot(page, "ops-buy-numbers-order")

    page.click("text=Buy more numbers")
    assert page.locator("table.orders tbody tr").count() == 1
    shot(page, "ops-buy-numbers-list")
