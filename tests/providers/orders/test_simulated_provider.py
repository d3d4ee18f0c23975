"""The simulated provider: made-up numbers for sale, its own stock, orders completed by
a signed webhook shaped like Telnyx's number_order.complete.

The event's shape follows Telnyx's published callback
https://developers.telnyx.com/api-reference/callbacks/number-order-status-update and the
telnyx SDK's model of it (telnyx/types/number_order_status_update_webhook_event.py:
per-number status pending | success | failure); signatures are checked with
providers/signing.py's `verify`, the way /webhooks/simulated checks them.
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import phonenumbers
import pytest
import respx
from django.conf import settings
from telnyx.types.number_order_status_update_webhook_event import (
    NumberOrderStatusUpdateWebhookEvent,
)

from providers import accounts
from providers.base import OrderState, Provider, ProviderError, ReleaseState, SearchQuery
from providers.models import SimulatedNumber
from providers.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    load_public_key,
    public_key_of,
    verify,
)
from providers.simulated import SimulatedProvider, failure_score, for_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulated() -> SimulatedProvider:
    return accounts.get(accounts.SIMULATED)


def test_it_is_a_provider_built_from_the_settings(simulated):
    assert isinstance(simulated, Provider)
    assert simulated.name == "simulated"
    assert settings.SIMULATED_PROVIDER_SIGNING_KEY not in repr(simulated)


def test_search_offers_valid_numbers_of_the_area_code_the_same_each_time(simulated):
    first = simulated.search(SearchQuery(area_code="312", quantity=20))
    again = simulated.search(SearchQuery(area_code="312", quantity=20))
    assert [n.number for n in first] == [n.number for n in again]
    assert len(first) == 20 and len({n.number for n in first}) == 20
    for offer in first:
        parsed = phonenumbers.parse(offer.number)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.region_code_for_number(parsed) == "US"
        assert offer.number.startswith("+1312")
        assert offer.number[5:8] != "555"
        assert offer.location.locality == "Chicago" and offer.location.region == "IL"
        assert offer.monthly_price == Decimal("1.00") and offer.currency == "USD"


def test_search_by_pattern_locality_and_region(simulated):
    with_pattern = simulated.search(SearchQuery(area_code="415", pattern="777", quantity=5))
    assert len(with_pattern) == 5
    assert all("777" in n.number[5:] for n in with_pattern)
    in_chicago = simulated.search(SearchQuery(locality="Chicago", region="IL", quantity=5))
    assert len(in_chicago) == 5
    assert {(n.location.locality, n.location.region) for n in in_chicago} == {("Chicago", "IL")}
    assert simulated.search(SearchQuery(area_code="312", country_code="GB")) == []


def test_search_never_offers_a_number_it_sold(simulated):
    offered = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=5))]
    simulated.order(offered[:2], reference="ref-1")
    again = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=5))]
    assert not set(offered[:2]) & set(again)
    assert again[:3] == offered[2:]


def test_check_says_the_price_or_why_not(simulated):
    offered = simulated.search(SearchQuery(area_code="312", quantity=2))
    free = simulated.check(offered[0].number)
    assert free.available and free.monthly_price == Decimal("1.00") and free.currency == "USD"
    assert free.location.region == "IL"
    simulated.order([offered[1].number], reference="ref")
    sold = simulated.check(offered[1].number)
    assert not sold.available and sold.reason == "Already sold."
    fictional = simulated.check("+13125550123")
    assert not fictional.available and fictional.reason


def test_an_order_is_pending_then_settles_with_its_failures(simulated, settings):
    offered = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=10))]
    settings.SIMULATED_PROVIDER_FAILURE_RATE = 0.5
    placed = simulated.order(offered, reference="order-1")
    assert placed.state == OrderState.PENDING
    assert {n.state for n in placed.numbers} == {OrderState.PENDING}
    status = simulated.order_status(placed.provider_order_id)  # no delay in tests: settled
    failing = {n for n in offered if failure_score(n) < 0.5}
    assert {n.number for n in status.numbers if n.state == OrderState.FAILED} == failing
    assert {n.number for n in status.numbers if n.state == OrderState.SUCCESS} == (
        set(offered) - failing
    )
    assert all(n.error for n in status.numbers if n.state == OrderState.FAILED)


def test_an_order_waits_for_its_delay(simulated, settings):
    settings.SIMULATED_PROVIDER_DELAY_SECONDS = 3600
    number = simulated.search(SearchQuery(area_code="312", quantity=1))[0].number
    placed = simulated.order([number], reference="slow")
    assert simulated.order_status(placed.provider_order_id).state == OrderState.PENDING


def test_the_same_order_asked_again_is_the_same_order(simulated):
    numbers = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=3))]
    first = simulated.order(numbers, reference="order-x")
    again = simulated.order(numbers, reference="order-x")
    assert again.provider_order_id == first.provider_order_id
    assert [n.provider_phone_number_id for n in again.numbers] == [
        n.provider_phone_number_id for n in first.numbers
    ]
    assert SimulatedNumber.objects.count() == 3
    other = simulated.order(numbers, reference="another-order")
    assert {n.state for n in other.numbers} == {OrderState.FAILED}


def test_release_owned_and_configure(simulated):
    numbers = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=3))]
    placed = simulated.order(numbers, reference="r")
    simulated.order_status(placed.provider_order_id)
    first_id = placed.numbers[0].provider_phone_number_id
    simulated.configure(first_id, messaging_profile_id="mp-1", campaign_id="C1")
    page = simulated.owned()
    assert page.next_cursor is None
    held = {n.number: n for n in page.numbers}
    assert set(held) == set(numbers)
    assert held[placed.numbers[0].number].messaging_profile_id == "mp-1"
    assert held[placed.numbers[0].number].campaign_id == "C1"
    assert simulated.release(first_id) == ReleaseState.RELEASED
    assert simulated.release(first_id) == ReleaseState.RELEASED  # already gone: released
    assert placed.numbers[0].number not in {n.number for n in simulated.owned().numbers}
    with pytest.raises(ProviderError):
        simulated.configure(first_id, campaign_id="C2")


def test_owned_pages(simulated, monkeypatch):
    monkeypatch.setattr("providers.simulated.PAGE_SIZE", 2)
    numbers = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=5))]
    simulated.order(numbers, reference="r")
    seen, cursor = [], None
    while True:
        page = simulated.owned(cursor)
        seen += [n.number for n in page.numbers]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(numbers)


def test_completion_is_a_signed_telnyx_shaped_webhook(simulated, settings):
    settings.SIMULATED_PROVIDER_FAILURE_RATE = 0.5
    numbers = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=6))]
    placed = simulated.order(numbers, reference="r")
    with respx.mock(assert_all_called=True) as router:
        route = router.post(settings.SIMULATED_PROVIDER_WEBHOOK_URL).mock(
            return_value=httpx.Response(200)
        )
        assert simulated.deliver_completion(placed.provider_order_id) == 200
    request = route.calls.last.request
    key = load_public_key(public_key_of(settings.SIMULATED_PROVIDER_SIGNING_KEY))
    assert verify(
        key, request.headers[SIGNATURE_HEADER], request.headers[TIMESTAMP_HEADER], request.content
    )
    event = json.loads(request.content)
    parsed = NumberOrderStatusUpdateWebhookEvent.model_validate(event)  # Telnyx's own model
    assert parsed.data.event_type == "number_order.complete"
    assert parsed.data.payload.id == placed.provider_order_id
    statuses = {n.phone_number: n.status for n in parsed.data.payload.phone_numbers}
    assert statuses == {n: ("failure" if failure_score(n) < 0.5 else "success") for n in numbers}
    failed = [n for n in event["data"]["payload"]["phone_numbers"] if n["status"] == "failure"]
    assert failed and all(n["errors"][0]["detail"] for n in failed)
    # A redelivery is the same event (same id), as the app's dedupe expects.
    again = simulated.completion_event(placed.provider_order_id, attempt=2)
    assert again["data"]["id"] == event["data"]["id"]


def test_a_failed_delivery_is_retried(simulated, settings):
    from celery.exceptions import Retry

    from providers.simulated import simulated_complete_order

    number = simulated.search(SearchQuery(area_code="312", quantity=1))[0].number
    placed = simulated.order([number], reference="r")
    with respx.mock() as router:
        router.post(settings.SIMULATED_PROVIDER_WEBHOOK_URL).mock(return_value=httpx.Response(503))
        with pytest.raises(Retry):
            simulated_complete_order.apply(args=(placed.provider_order_id,), throw=True)
    with respx.mock() as router:
        router.post(settings.SIMULATED_PROVIDER_WEBHOOK_URL).mock(
            side_effect=httpx.ConnectError("refused")
        )
        with pytest.raises(Retry):
            simulated_complete_order.apply(args=(placed.provider_order_id,), throw=True)


def test_for_sale_numbers_are_valid_and_not_fictional():
    assert not for_sale("+13125550100")
    assert not for_sale("+13124111234")  # N11 exchange
    assert not for_sale("+442071838750")
