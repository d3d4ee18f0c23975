"""The buying job (providers/buying.py): search, enter as Provisioning, order in
batches, then Active or FailedProvisioning by the provider's word (its webhook, a poll,
or at once for a provider that sells synchronously)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from django.conf import settings
from django.core.exceptions import ValidationError

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from providers import accounts, buying
from providers.base import Order, OrderedNumber, OrderState, ProviderError, SearchQuery
from providers.models import NumberOrder, NumberOrderItem, SimulatedNumber
from providers.orders import order_number_result
from providers.simulated import failure_score
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


def ask(**overrides) -> buying.OrderAsk:
    fields = {
        "provider": None,
        "area_code": "312",
        "numbers": None,
        "quantity": 5,
        "business": None,
    }
    return buying.order_validate(**{**fields, **overrides})


def land_webhook(provider_order_id: str) -> None:
    """What /webhooks/simulated's handler does with a number_order.complete event: each
    number's status through order_number_result."""
    simulated = accounts.get("simulated")
    with respx.mock() as router:
        route = router.post(settings.SIMULATED_PROVIDER_WEBHOOK_URL).mock(
            return_value=httpx.Response(200)
        )
        simulated.deliver_completion(provider_order_id)
    payload = json.loads(route.calls.last.request.content)["data"]["payload"]
    for entry in payload["phone_numbers"]:
        errors = entry.get("errors") or [{}]
        order_number_result(
            provider="simulated",
            number=entry["phone_number"],
            succeeded=entry["status"] == "success",
            provider_order_id=payload["id"],
            provider_phone_number_id=entry["id"],
            reason=errors[0].get("detail"),
        )


def provider_order_ids(order) -> set[str]:
    return set(order.items.values_list("provider_order_id", flat=True))


def test_an_order_by_area_code_enters_numbers_as_provisioning_then_active(business):
    order = buying.order_request(ask=ask(quantity=20, business=business), acting_user=None)
    order = buying.order_run(order.pk)
    assert order.status == NumberOrder.Status.WAITING
    items = list(order.items.select_related("phone_number"))
    assert len(items) == 20
    for item in items:
        assert item.status == NumberOrderItem.Status.ORDERED
        assert item.number.startswith("+1312")
        number = item.phone_number
        assert number.status == PhoneNumberStatus.PROVISIONING
        assert number.inventory_state == InventoryState.PENDING_VERIFICATION
        assert number.provider == "simulated" and number.business == business
        assert number.provider_order_id == item.provider_order_id != ""
        assert number.provider_phone_number_id == item.provider_phone_number_id != ""
    assert len(provider_order_ids(order)) == 1  # 20 numbers: one batch

    for provider_order_id in provider_order_ids(order):
        land_webhook(provider_order_id)
    order.refresh_from_db()
    assert order.status == NumberOrder.Status.COMPLETED and order.finished_at
    for item in order.items.select_related("phone_number"):
        assert item.status == NumberOrderItem.Status.ACTIVE
        assert item.phone_number.status == PhoneNumberStatus.ACTIVE
        assert item.phone_number.inventory_state == InventoryState.ASSIGNED
        actors = set(
            PhoneNumberEvent.objects.filter(phone_number=item.phone_number).values_list(
                "actor_name", flat=True
            )
        )
        assert actors == {"Provider"}


def test_large_orders_go_in_batches_and_failures_carry_the_reason(settings):
    settings.SIMULATED_PROVIDER_FAILURE_RATE = 0.2
    order = buying.order_request(ask=ask(quantity=120), acting_user=None)
    order = buying.order_run(order.pk)
    assert order.items.count() == 120
    assert len(provider_order_ids(order)) == 3  # 50 + 50 + 20
    for provider_order_id in provider_order_ids(order):
        land_webhook(provider_order_id)
    order.refresh_from_db()
    assert order.status == NumberOrder.Status.COMPLETED
    for item in order.items.select_related("phone_number"):
        if failure_score(item.number) < 0.2:
            assert item.status == NumberOrderItem.Status.FAILED and item.error
            assert item.phone_number.status == PhoneNumberStatus.FAILED_PROVISIONING
            assert item.phone_number.inventory_state == InventoryState.FAILED
            assert item.phone_number.provider_error == item.error
        else:
            assert item.status == NumberOrderItem.Status.ACTIVE
            assert item.phone_number.inventory_state == InventoryState.AVAILABLE  # pool


def test_numbers_the_inventory_holds_are_skipped():
    simulated = accounts.get("simulated")
    offered = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=3))]
    PhoneNumberFactory(number=offered[0])
    order = buying.order_run(buying.order_request(ask=ask(quantity=3), acting_user=None).pk)
    numbers = set(order.items.values_list("number", flat=True))
    assert len(numbers) == 3 and offered[0] not in numbers


def test_a_number_another_order_entered_first_is_replaced(monkeypatch):
    simulated = accounts.get("simulated")
    offered = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=3))]
    order = buying.order_request(ask=ask(quantity=3), acting_user=None)
    real_enter = buying._enter

    def another_order_first(order, numbers):
        if offered[0] in numbers:  # entered by another order between search and entry
            PhoneNumberFactory(
                number=offered[0], inventory_state=InventoryState.PENDING_VERIFICATION
            )
        real_enter(order, numbers)

    monkeypatch.setattr(buying, "_enter", another_order_first)
    order = buying.order_run(order.pk)
    lost = order.items.get(number=offered[0])
    assert lost.status == NumberOrderItem.Status.FAILED
    assert lost.error == "Already in the inventory (Pending verification); not ordered."
    ordered = order.items.exclude(number=offered[0])
    assert ordered.count() == 3 and order.error == ""


def test_a_listed_number_the_inventory_holds_fails_with_the_reason():
    simulated = accounts.get("simulated")
    offered = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=2))]
    PhoneNumberFactory(number=offered[0])
    order = buying.order_request(
        ask=ask(area_code=None, numbers=offered, quantity=None), acting_user=None
    )
    order = buying.order_run(order.pk)
    held = order.items.get(number=offered[0])
    assert held.status == NumberOrderItem.Status.FAILED
    assert "Already in the inventory (Available)" in held.error
    assert not SimulatedNumber.objects.filter(number=offered[0]).exists()  # not ordered
    assert order.items.get(number=offered[1]).status == NumberOrderItem.Status.ORDERED


def test_a_released_number_can_be_bought_again_as_a_new_row():
    simulated = accounts.get("simulated")
    number = simulated.search(SearchQuery(area_code="312", quantity=1))[0].number
    old = PhoneNumberFactory(number=number, inventory_state=InventoryState.RELEASED)
    order = buying.order_request(
        ask=ask(area_code=None, numbers=[number], quantity=None), acting_user=None
    )
    order = buying.order_run(order.pk)
    buying.order_poll(order)
    item = order.items.get()
    assert item.status == NumberOrderItem.Status.ACTIVE
    assert item.phone_number_id != old.pk
    old.refresh_from_db()
    assert old.inventory_state == InventoryState.RELEASED and old.status != "Active"


def test_running_again_orders_nothing_twice():
    order = buying.order_request(ask=ask(quantity=5), acting_user=None)
    buying.order_run(order.pk)
    NumberOrder.objects.filter(pk=order.pk).update(status=NumberOrder.Status.RUNNING)
    buying.order_run(order.pk)
    assert order.items.count() == 5
    assert PhoneNumber.objects.count() == 5
    assert SimulatedNumber.objects.count() == 5


def test_a_run_that_died_after_entering_numbers_orders_them_once():
    order = buying.order_request(ask=ask(quantity=4), acting_user=None)
    simulated = accounts.get("simulated")
    numbers = [n.number for n in simulated.search(SearchQuery(area_code="312", quantity=4))]
    buying._enter(order, numbers)  # the run died here, before asking the provider
    order = buying.order_run(order.pk)
    assert order.items.count() == 4 and PhoneNumber.objects.count() == 4
    assert SimulatedNumber.objects.count() == 4
    assert not order.items.filter(provider_order_id="").exists()


def test_a_short_area_code_completes_with_fewer(monkeypatch):
    simulated = accounts.get("simulated")
    only_three = simulated.search(SearchQuery(area_code="312", quantity=3))
    monkeypatch.setattr(type(simulated), "search", lambda self, query: only_three)
    order = buying.order_run(buying.order_request(ask=ask(quantity=10), acting_user=None).pk)
    assert order.items.count() == 3
    assert order.error == "The provider offered 3 of 10 numbers in area code 312."


def test_the_poll_settles_orders_whose_webhook_is_late():
    order = buying.order_run(buying.order_request(ask=ask(quantity=3), acting_user=None).pk)
    assert order.status == NumberOrder.Status.WAITING
    assert buying.order_poll(order) == 3
    order.refresh_from_db()
    assert order.status == NumberOrder.Status.COMPLETED
    assert set(order.items.values_list("status", flat=True)) == {"active"}


def test_an_early_webhook_still_lands_on_its_item(monkeypatch):
    """The webhook came before the job recorded the provider's order id."""
    order = buying.order_run(buying.order_request(ask=ask(quantity=2), acting_user=None).pk)
    item = order.items.first()
    NumberOrderItem.objects.filter(pk=item.pk).update(provider_order_id="")
    order_number_result(
        provider="simulated", number=item.number, succeeded=True, provider_order_id="x"
    )
    assert buying.items_catch_up(order) == 1
    item.refresh_from_db()
    assert item.status == NumberOrderItem.Status.ACTIVE


class SynchronousProvider:
    """A provider that sells at once, as Twilio does (IncomingPhoneNumbers create)."""

    name = "simulated"

    def __init__(self, real):
        self.real = real

    def search(self, query):
        return self.real.search(query)

    def order(self, numbers, *, reference):
        return Order(
            provider_order_id=None,
            state=OrderState.SUCCESS,
            numbers=tuple(
                OrderedNumber(n, OrderState.FAILED, error="Number unavailable")
                if i == 0
                else OrderedNumber(n, OrderState.SUCCESS, provider_phone_number_id=f"PN{i}")
                for i, n in enumerate(numbers)
            ),
        )


def test_a_synchronous_provider_completes_the_order_at_once(monkeypatch):
    real = accounts.get("simulated")
    monkeypatch.setattr(accounts, "get", lambda name: SynchronousProvider(real))
    order = buying.order_run(buying.order_request(ask=ask(quantity=3), acting_user=None).pk)
    assert order.status == NumberOrder.Status.COMPLETED
    statuses = sorted(order.items.values_list("status", "error"))
    assert statuses == [("active", ""), ("active", ""), ("failed", "Number unavailable")]
    assert PhoneNumber.objects.filter(status=PhoneNumberStatus.ACTIVE).count() == 2


class RefusingProvider(SynchronousProvider):
    retryable = False

    def order(self, numbers, *, reference):
        raise ProviderError("Account suspended", retryable=self.retryable, code="10010")


def test_a_refusal_fails_what_was_not_ordered(monkeypatch):
    real = accounts.get("simulated")
    monkeypatch.setattr(accounts, "get", lambda name: RefusingProvider(real))
    order = buying.order_run(buying.order_request(ask=ask(quantity=3), acting_user=None).pk)
    assert order.status == NumberOrder.Status.COMPLETED
    assert set(order.items.values_list("status", flat=True)) == {"failed"}
    assert set(PhoneNumber.objects.values_list("status", flat=True)) == {"FailedProvisioning"}
    assert "Account suspended" in order.error


def test_a_retryable_error_is_raised_for_the_task_to_retry(monkeypatch):
    real = accounts.get("simulated")
    provider = RefusingProvider(real)
    provider.retryable = True
    monkeypatch.setattr(accounts, "get", lambda name: provider)
    order = buying.order_request(ask=ask(quantity=3), acting_user=None)
    with pytest.raises(ProviderError):
        buying.order_run(order.pk)
    monkeypatch.setattr(accounts, "get", lambda name: real)
    order = buying.order_run(order.pk)  # the retry
    assert order.items.count() == 3 and SimulatedNumber.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"area_code": "31"}, {"areaCode"}),
        ({"area_code": "112"}, {"areaCode"}),
        ({"area_code": None}, {"areaCode"}),
        ({"numbers": ["+13125550101"]}, {"areaCode", "quantity"}),
        ({"quantity": 0}, {"quantity"}),
        ({"quantity": 1001}, {"quantity"}),
        ({"provider": "telnyx"}, {"provider"}),
        ({"business": "No Such Co"}, {"businessId"}),
        (
            {
                "area_code": None,
                "numbers": ["nope", "+13125550101", "+1 312 555 0101"],
                "quantity": None,
            },
            {"numbers[0]", "numbers[2]"},
        ),
    ],
)
def test_a_bad_order_is_refused_whole_and_changes_nothing(fields, errors, unchanged_db):
    with unchanged_db(), pytest.raises(ValidationError) as refused:
        buying.order_validate(
            **{
                "provider": None,
                "area_code": "312",
                "numbers": None,
                "quantity": 5,
                "business": None,
                **fields,
            }
        )
    assert set(refused.value.message_dict) == errors
    assert NumberOrder.objects.count() == 0
