"""The Telnyx adapter (providers/telnyx.py) against Telnyx's API, intercepted by respx.

No network: respx replaces httpx's transport, and every request the library makes must
match a route (an unmatched one fails the test). The bodies are shaped as Telnyx's published
API reference shows them, and the request/response models of the installed `telnyx` 4.189.0
(telnyx/types/…) agree:
- GET /available_phone_numbers — https://developers.telnyx.com/api-reference/phone-number-search/list-available-phone-numbers
  (data[].region_information, cost_information, features; meta); region types state /
  rate_center as in https://developers.telnyx.com/docs/v2/numbers/phone_numbers/tutorials/reservations/number_reservations/
- POST /number_orders, GET /number_orders/{id} — https://developers.telnyx.com/api-reference/phone-number-orders/retrieve-a-number-order
  and https://developers.telnyx.com/docs/numbers/phone-numbers/number-orders.md
- GET /phone_numbers (list, meta total_pages/page_number), DELETE /phone_numbers/{id} —
  https://developers.telnyx.com/api-reference/phone-number-configurations/delete-a-phone-number
  (the PhoneNumberDetailed record), https://developers.telnyx.com/api-reference/phone-number-configurations
  (list), telnyx/types/numbers_phone_number_detailed.py and telnyx/pagination.py
  (DefaultFlatPagination: meta.page_number, meta.total_pages)
- PATCH /phone_numbers/{id}/messaging — https://developers.telnyx.com/api-reference/number-settings/update-the-messaging-profile-andor-messaging-product-of-a-phone-number.md
  (its record as in https://developers.telnyx.com/api-reference/number-settings/list-phone-numbers-with-messaging-settings)
- POST /10dlc/phone_number_campaigns — https://developers.telnyx.com/api-reference/phone-number-campaigns/create-new-phone-number-campaign.md
  (the PhoneNumberCampaign record of …/create-new-phone-number-campaign-1)
- Error envelope {"errors": [{code, title, detail, meta.url}]} and codes 10005 (not found),
  10007 (unexpected), 10011 (too many requests), 10015 (bad request) —
  https://developers.telnyx.com/development/api-fundamentals/api-errors and
  https://developers.telnyx.com/docs/numbers/porting/api-errors
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import httpx
import pytest
import respx

from providers.base import (
    Availability,
    AvailableNumber,
    NumberLocation,
    OrderState,
    ProviderError,
    ReleaseState,
    SearchQuery,
)
from providers.telnyx import OWNED_PAGE_SIZE, TelnyxProvider
from tests.providers.adapters.helpers import all_logs, assert_nowhere, error_text

API = "https://api.telnyx.com/v2"
API_KEY = "KEY0192TESTtelnyxSecretValue_abcdef"
PROFILE = "abc85f64-5717-4562-b3fc-2c9600000000"
CONNECTION = "1293384261075731499"

AVAILABLE = {
    "data": [
        {
            "record_type": "available_phone_number",
            "phone_number": "+13125550101",
            "vanity_format": "",
            "best_effort": False,
            "quickship": True,
            "reservable": True,
            "region_information": [
                {"region_type": "state", "region_name": "IL"},
                {"region_type": "rate_center", "region_name": "CHICAGO"},
                {"region_type": "country_code", "region_name": "US"},
            ],
            "cost_information": {"upfront_cost": "3.21", "monthly_cost": "6.54", "currency": "USD"},
            "features": [{"name": "sms"}, {"name": "voice"}],
        },
        {
            "record_type": "available_phone_number",
            "phone_number": "+13125550102",
            "vanity_format": "",
            "best_effort": False,
            "quickship": True,
            "reservable": True,
            "region_information": [{"region_type": "country_code", "region_name": "US"}],
            "cost_information": {"upfront_cost": "0.00", "monthly_cost": "1.00", "currency": "USD"},
            "features": [{"name": "sms"}, {"name": "mms"}],
        },
    ],
    "meta": {"total_results": 2, "best_effort_results": 0},
    "metadata": {"total_results": 2, "best_effort_results": 0},
}


def order_body(order_status: str, *number_statuses: tuple[str, str]) -> dict:
    return {
        "data": {
            "id": "12ade33a-21c0-473b-b055-b3c836e1c292",
            "record_type": "number_order",
            "phone_numbers_count": len(number_statuses),
            "connection_id": CONNECTION,
            "messaging_profile_id": PROFILE,
            "billing_group_id": "abc85f64-5717-4562-b3fc-2c9600",
            "phone_numbers": [
                {
                    "id": f"dc8e4d67-33a0-4cbb-af74-7b58f05bd49{index}",
                    "record_type": "number_order_phone_number",
                    "phone_number": number,
                    "bundle_id": None,
                    "regulatory_requirements": [],
                    "requirements_met": True,
                    "status": status,
                }
                for index, (number, status) in enumerate(number_statuses)
            ],
            "sub_number_orders_ids": ["3ec2b1f9-1b2c-4a5d-8e9f-0a1b2c3d4e5f"],
            "status": order_status,
            "customer_reference": "MY REF 001",
            "created_at": "2018-01-01T00:00:00.000000Z",
            "updated_at": "2018-01-01T00:00:00.000000Z",
            "requirements_met": True,
        }
    }


def phone_number_record(number: str, number_id: str, **changes) -> dict:
    record = {
        "id": number_id,
        "record_type": "phone_number",
        "phone_number": number,
        "status": "active",
        "tags": ["tag_1", "tag_2"],
        "external_pin": "1234",
        "connection_id": CONNECTION,
        "connection_name": "connection-name",
        "customer_reference": "customer-reference",
        "messaging_profile_id": PROFILE,
        "messaging_profile_name": "regional-customers",
        "messaging_campaign_id": "4b300178-131c-d902-d54e-72d90ba1620j",
        "billing_group_id": "86f58db9-0fe3-4adc-9d1f-46e66e6e9323",
        "emergency_enabled": True,
        "emergency_address_id": "1315261609962112019",
        "call_forwarding_enabled": True,
        "cnam_listing_enabled": True,
        "caller_id_name_enabled": True,
        "call_recording_enabled": True,
        "t38_fax_gateway_enabled": True,
        "phone_number_type": "local",
        "purchased_at": "2019-10-23T18:10:00.000Z",
        "created_at": "2019-10-23T18:10:00.000Z",
        "updated_at": "2019-10-24T18:10:00.000Z",
        "hd_voice_enabled": True,
        "deletion_lock_enabled": False,
        "country_iso_alpha2": "US",
    }
    record.update(changes)
    return record


def page_body(records: list[dict], page_number: int, total_pages: int) -> dict:
    return {
        "data": records,
        "meta": {
            "total_pages": total_pages,
            "total_results": total_pages * OWNED_PAGE_SIZE,
            "page_number": page_number,
            "page_size": OWNED_PAGE_SIZE,
        },
    }


def messaging_settings(number: str, number_id: str, profile: str) -> dict:
    return {
        "data": {
            "record_type": "messaging_settings",
            "id": number_id,
            "phone_number": number,
            "messaging_profile_id": profile,
            "created_at": "2019-01-23T18:10:02.574Z",
            "updated_at": "2019-01-23T18:10:02.574Z",
            "country_code": "US",
            "type": "long-code",
            "eligible_messaging_products": ["A2P"],
            "traffic_type": "A2P",
            "messaging_product": "A2P",
            "features": {
                "sms": {
                    "domestic_two_way": True,
                    "international_inbound": True,
                    "international_outbound": True,
                },
                "mms": None,
            },
        }
    }


def campaign_assignment(number: str, campaign: str) -> dict:
    return {
        "phoneNumber": number,
        "campaignId": campaign,
        "createdAt": "2021-03-08T17:57:48.801186",
        "updatedAt": "2021-03-08T17:57:48.801186",
        "brandId": "7ba705b7-22af-493f-addc-ac04b7ca071c",
        "tcrBrandId": "BBRAND1",
        "tcrCampaignId": "CCAMPA1",
        "telnyxCampaignId": "3008dd9f-66d7-40e0-bf23-bf2d8d1a96ba",
        "assignmentStatus": "PENDING_ASSIGNMENT",
    }


def telnyx_error(code: str, title: str, detail: str) -> dict:
    return {
        "errors": [
            {
                "code": code,
                "title": title,
                "detail": detail,
                "meta": {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"},
            }
        ]
    }


NOT_FOUND = telnyx_error(
    "10005", "Resource not found", "The requested resource or URL could not be found."
)
UNEXPECTED = telnyx_error("10007", "Unexpected error", "An unexpected error occured.")
TOO_MANY = telnyx_error(
    "10011", "Too many requests", "You have exceeded the maximum number of allowed requests."
)
BAD_REQUEST = telnyx_error(
    "10015", "Bad Request", "The request failed because it was not well-formed."
)


@pytest.fixture
def api():
    # assert_all_mocked (the default): a request without a route fails the test.
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


@pytest.fixture
def telnyx():
    return TelnyxProvider(api_key=API_KEY)


def body_of(route) -> dict:
    return json.loads(route.calls.last.request.content)


def query_of(route) -> dict:
    return dict(route.calls.last.request.url.params.multi_items())


# --- search ----------------------------------------------------------------------------


def test_search_sends_the_filters_and_maps_location_price_and_features(api, telnyx):
    route = api.get("/available_phone_numbers").respond(200, json=AVAILABLE)

    found = telnyx.search(
        SearchQuery(area_code="312", locality="Chicago", region="IL", pattern="555", quantity=2)
    )

    assert query_of(route) == {
        "filter[country_code]": "US",
        "filter[limit]": "2",
        "filter[best_effort]": "false",
        "filter[features]": "sms",
        "filter[national_destination_code]": "312",
        "filter[locality]": "Chicago",
        "filter[administrative_area]": "IL",
        "filter[phone_number][contains]": "555",
    }
    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"
    assert found == [
        AvailableNumber(
            number="+13125550101",
            location=NumberLocation(locality="CHICAGO", region="IL", country_code="US"),
            sms=True,
            voice=True,
            monthly_price=Decimal("6.54"),
            upfront_price=Decimal("3.21"),
            currency="USD",
        ),
        AvailableNumber(
            number="+13125550102",
            location=NumberLocation(locality=None, region=None, country_code="US"),
            sms=True,
            voice=False,
            monthly_price=Decimal("1.00"),
            upfront_price=Decimal("0.00"),
            currency="USD",
        ),
    ]


def test_search_asks_for_voice_only_when_it_is_required(api, telnyx):
    route = api.get("/available_phone_numbers").respond(200, json={"data": [], "meta": {}})

    assert telnyx.search(SearchQuery(area_code="312", sms=True, voice=True)) == []
    assert query_of(route)["filter[features]"] == "sms,voice"
    telnyx.search(SearchQuery(area_code="312", sms=False, voice=False))
    assert "filter[features]" not in query_of(route)


def test_search_never_returns_more_than_the_quantity(api, telnyx):
    api.get("/available_phone_numbers").respond(200, json=AVAILABLE)

    assert [n.number for n in telnyx.search(SearchQuery(area_code="312", quantity=1))] == [
        "+13125550101"
    ]


# --- check -----------------------------------------------------------------------------


def test_check_finds_the_exact_number_with_its_price(api, telnyx):
    route = api.get("/available_phone_numbers").respond(200, json=AVAILABLE)

    answer = telnyx.check("+13125550101")

    assert query_of(route) == {
        "filter[country_code]": "US",
        "filter[phone_number][contains]": "3125550101",
        "filter[best_effort]": "false",
        "filter[limit]": "5",
    }
    assert answer == Availability(
        number="+13125550101",
        available=True,
        monthly_price=Decimal("6.54"),
        currency="USD",
        location=NumberLocation(locality="CHICAGO", region="IL", country_code="US"),
    )


def test_check_of_a_number_not_offered_says_unavailable(api, telnyx):
    api.get("/available_phone_numbers").respond(200, json=AVAILABLE)

    answer = telnyx.check("+13125550199")

    assert not answer.available
    assert answer.monthly_price is None
    assert "does not offer" in answer.reason


def test_check_refuses_a_malformed_number_without_asking_telnyx(api, telnyx):
    with pytest.raises(ProviderError) as caught:
        telnyx.check("312-555")
    assert not caught.value.retryable
    assert not api.calls


# --- order and order_status ------------------------------------------------------------


def test_order_sends_the_numbers_reference_profile_and_connection(api):
    telnyx = TelnyxProvider(api_key=API_KEY, messaging_profile_id=PROFILE, connection_id=CONNECTION)
    route = api.post("/number_orders").respond(
        200,
        json=order_body("pending", ("+13125550101", "pending"), ("+13125550102", "pending")),
    )

    order = telnyx.order(["+13125550101", "+13125550102"], reference="order-42")

    assert body_of(route) == {
        "phone_numbers": [{"phone_number": "+13125550101"}, {"phone_number": "+13125550102"}],
        "customer_reference": "order-42",
        "messaging_profile_id": PROFILE,
        "connection_id": CONNECTION,
    }
    assert order.provider_order_id == "12ade33a-21c0-473b-b055-b3c836e1c292"
    assert order.state == OrderState.PENDING
    assert [(n.number, n.state, n.provider_phone_number_id) for n in order.numbers] == [
        ("+13125550101", OrderState.PENDING, None),
        ("+13125550102", OrderState.PENDING, None),
    ]


def test_order_without_profile_or_connection_sends_neither(api, telnyx):
    route = api.post("/number_orders").respond(
        200, json=order_body("pending", ("+13125550101", "pending"))
    )

    telnyx.order(["+13125550101"], reference="order-43")

    assert body_of(route) == {
        "phone_numbers": [{"phone_number": "+13125550101"}],
        "customer_reference": "order-43",
    }


def test_order_status_reports_each_number_with_its_phone_number_id(api, telnyx):
    order_id = "12ade33a-21c0-473b-b055-b3c836e1c292"
    api.get(f"/number_orders/{order_id}").respond(
        200,
        json=order_body("success", ("+13125550101", "success"), ("+13125550102", "failure")),
    )
    lookup = api.get("/phone_numbers").respond(
        200,
        json=page_body([phone_number_record("+13125550101", "1293384261075731499")], 1, 1),
    )

    order = telnyx.order_status(order_id)

    assert order.state == OrderState.SUCCESS
    bought, failed = order.numbers
    assert (bought.state, bought.provider_phone_number_id) == (
        OrderState.SUCCESS,
        "1293384261075731499",
    )
    assert failed.state == OrderState.FAILED
    assert failed.provider_phone_number_id is None
    assert "could not complete" in failed.error
    # One lookup, for the number bought, by its digits.
    assert lookup.call_count == 1
    assert query_of(lookup)["filter[phone_number]"] == "13125550101"


def test_order_answered_at_once_looks_up_the_numbers_bought(api, telnyx):
    api.post("/number_orders").respond(200, json=order_body("success", ("+13125550101", "success")))
    lookup = api.get("/phone_numbers").respond(
        200, json=page_body([phone_number_record("+13125550101", "777")], 1, 1)
    )

    order = telnyx.order(["+13125550101"], reference="order-44")

    assert order.state == OrderState.SUCCESS
    assert order.numbers[0].provider_phone_number_id == "777"
    assert lookup.call_count == 1


def test_order_status_of_a_number_not_yet_in_the_account_has_no_id_yet(api, telnyx):
    api.get("/number_orders/o1").respond(
        200, json=order_body("success", ("+13125550101", "success"))
    )
    api.get("/phone_numbers").respond(200, json=page_body([], 1, 1))

    (number,) = telnyx.order_status("o1").numbers

    assert (number.state, number.provider_phone_number_id) == (OrderState.SUCCESS, None)


def test_order_status_of_an_unknown_order_is_a_refusal(api, telnyx):
    api.get("/number_orders/nope").respond(404, json=NOT_FOUND)

    with pytest.raises(ProviderError) as caught:
        telnyx.order_status("nope")

    assert not caught.value.retryable
    assert caught.value.code == "10005"


# --- errors: what may be retried -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [(500, UNEXPECTED, "10007"), (503, UNEXPECTED, "10007"), (429, TOO_MANY, "10011")],
)
def test_server_errors_and_rate_limits_are_retryable_with_telnyx_code(
    api, telnyx, status, body, code
):
    route = api.post("/number_orders").respond(status, json=body)

    with pytest.raises(ProviderError) as caught:
        telnyx.order(["+13125550101"], reference="r")

    assert caught.value.retryable
    assert caught.value.code == code
    assert str(status) in caught.value.message
    # The library's own retries are off: our jobs retry, and a POST must not run twice.
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (400, BAD_REQUEST, "10015"),
        (422, BAD_REQUEST, "10015"),
        (
            401,
            telnyx_error(
                "10009",
                "Authentication failed",
                "The required authentication headers were either invalid or not included in the "
                "request.",
            ),
            "10009",
        ),
        (
            403,
            telnyx_error(
                "10010",
                "Authorization failed",
                "You do not have permission to perform the requested action on the specified "
                "resource or resources.",
            ),
            "10010",
        ),
    ],
)
def test_client_errors_are_not_retryable(api, telnyx, status, body, code):
    api.post("/number_orders").respond(status, json=body)

    with pytest.raises(ProviderError) as caught:
        telnyx.order(["+13125550101"], reference="r")

    assert not caught.value.retryable
    assert caught.value.code == code
    assert body["errors"][0]["detail"] in caught.value.message


@pytest.mark.parametrize(
    "failure", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("down")]
)
def test_timeouts_and_connection_errors_are_retryable(api, telnyx, failure):
    route = api.get("/available_phone_numbers").mock(side_effect=failure)

    with pytest.raises(ProviderError) as caught:
        telnyx.search(SearchQuery(area_code="312"))

    assert caught.value.retryable
    assert caught.value.code is None
    assert route.call_count == 1


def test_an_error_without_telnyx_envelope_still_maps(api, telnyx):
    api.get("/available_phone_numbers").respond(502, text="<html>Bad Gateway</html>")

    with pytest.raises(ProviderError) as caught:
        telnyx.search(SearchQuery(area_code="312"))

    assert caught.value.retryable
    assert caught.value.code is None


# --- release ---------------------------------------------------------------------------


def test_release_deletes_the_phone_number(api, telnyx):
    route = api.delete("/phone_numbers/1293384261075731499").respond(
        200,
        json={"data": phone_number_record("+13125550101", "1293384261075731499", status="deleted")},
    )

    assert telnyx.release("1293384261075731499") == ReleaseState.RELEASED
    assert route.call_count == 1


def test_release_of_a_number_telnyx_no_longer_has_counts_as_released(api, telnyx):
    api.delete("/phone_numbers/1293384261075731499").respond(404, json=NOT_FOUND)

    assert telnyx.release("1293384261075731499") == ReleaseState.RELEASED


def test_release_refused_is_not_retryable_and_keeps_the_code(api, telnyx):
    # e.g. a deletion lock (deletion_lock_enabled) answers 422.
    api.delete("/phone_numbers/1").respond(
        422, json=telnyx_error("10015", "Bad Request", "Phone number has deletion lock enabled.")
    )

    with pytest.raises(ProviderError) as caught:
        telnyx.release("1")

    assert not caught.value.retryable
    assert caught.value.code == "10015"
    assert "deletion lock" in caught.value.message


def test_release_during_an_outage_is_retryable(api, telnyx):
    api.delete("/phone_numbers/1").respond(503, json=UNEXPECTED)

    with pytest.raises(ProviderError) as caught:
        telnyx.release("1")

    assert caught.value.retryable


# --- owned -----------------------------------------------------------------------------


def test_owned_pages_through_every_number(api, telnyx):
    pages = {
        "1": page_body(
            [
                phone_number_record("+13125550101", "101"),
                phone_number_record(
                    "+13125550102", "102", messaging_profile_id=None, messaging_campaign_id=None
                ),
            ],
            1,
            3,
        ),
        "2": page_body([phone_number_record("+13125550103", "103", connection_id=None)], 2, 3),
        "3": page_body(
            [phone_number_record("+13125550104", "104", status="port-out-pending")], 3, 3
        ),
    }
    route = api.get("/phone_numbers").mock(
        side_effect=lambda request: httpx.Response(
            200, json=pages[request.url.params["page[number]"]]
        )
    )

    seen, cursor, cursors = [], None, []
    while True:
        page = telnyx.owned(cursor)
        seen.extend(page.numbers)
        cursors.append(page.next_cursor)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert cursors == ["2", "3", None]
    assert [call.request.url.params["page[size]"] for call in route.calls] == ["250"] * 3
    assert [n.number for n in seen] == [
        "+13125550101",
        "+13125550102",
        "+13125550103",
        "+13125550104",
    ]
    first, second, third, fourth = seen
    assert first.provider_phone_number_id == "101"
    assert first.status == "active"
    assert first.messaging_profile_id == PROFILE
    assert first.connection_id == CONNECTION
    assert first.campaign_id == "4b300178-131c-d902-d54e-72d90ba1620j"
    assert (second.messaging_profile_id, second.campaign_id) == (None, None)
    assert third.connection_id is None
    assert fourth.status == "port-out-pending"


def test_owned_reads_unavailable_messaging_details_as_unknown(api, telnyx):
    api.get("/phone_numbers").respond(
        200,
        json=page_body(
            [
                phone_number_record(
                    "+13125550101",
                    "101",
                    messaging_profile_id="UNAVAILABLE",
                    messaging_campaign_id="UNAVAILABLE",
                )
            ],
            1,
            1,
        ),
    )

    (number,) = telnyx.owned().numbers

    assert (number.messaging_profile_id, number.campaign_id) == (None, None)


def test_owned_during_an_outage_is_retryable(api, telnyx):
    api.get("/phone_numbers").respond(503, json=UNEXPECTED)

    with pytest.raises(ProviderError) as caught:
        telnyx.owned("2")

    assert caught.value.retryable
    assert caught.value.code == "10007"


@pytest.mark.parametrize("cursor", ["abc", "0", "-1", "2; DROP"])
def test_owned_refuses_a_cursor_it_did_not_make(api, telnyx, cursor):
    with pytest.raises(ProviderError) as caught:
        telnyx.owned(cursor)
    assert not caught.value.retryable
    assert not api.calls


# --- configure -------------------------------------------------------------------------


def test_configure_sets_profile_connection_and_campaign(api, telnyx):
    number, number_id = "+13125550101", "1293384261075731499"
    messaging = api.patch(f"/phone_numbers/{number_id}/messaging").respond(
        200, json=messaging_settings(number, number_id, PROFILE)
    )
    voice = api.patch(f"/phone_numbers/{number_id}").respond(
        200, json={"data": phone_number_record(number, number_id)}
    )
    campaign = api.post("/10dlc/phone_number_campaigns").respond(
        200, json=campaign_assignment(number, "4b300178-131c-d902-d54e-72d90ba1620j")
    )

    telnyx.configure(
        number_id,
        messaging_profile_id=PROFILE,
        connection_id=CONNECTION,
        campaign_id="4b300178-131c-d902-d54e-72d90ba1620j",
    )

    assert body_of(messaging) == {"messaging_profile_id": PROFILE}
    assert body_of(voice) == {"connection_id": CONNECTION}
    # 10DLC assignments are by E.164 number, taken from Telnyx's answer, not the id.
    assert body_of(campaign) == {
        "phoneNumber": number,
        "campaignId": "4b300178-131c-d902-d54e-72d90ba1620j",
    }


def test_configure_campaign_alone_looks_the_number_up(api, telnyx):
    number, number_id = "+13125550101", "1293384261075731499"
    retrieve = api.get(f"/phone_numbers/{number_id}").respond(
        200, json={"data": phone_number_record(number, number_id)}
    )
    campaign = api.post("/10dlc/phone_number_campaigns").respond(
        200, json=campaign_assignment(number, "C1")
    )

    telnyx.configure(number_id, campaign_id="C1")

    assert retrieve.call_count == 1
    assert body_of(campaign) == {"phoneNumber": number, "campaignId": "C1"}


def test_configure_with_nothing_to_set_asks_nothing(api, telnyx):
    telnyx.configure("1293384261075731499")
    assert not api.calls


def test_configure_refused_campaign_is_not_retryable(api, telnyx):
    number, number_id = "+13125550101", "1"
    api.get(f"/phone_numbers/{number_id}").respond(
        200, json={"data": phone_number_record(number, number_id)}
    )
    api.post("/10dlc/phone_number_campaigns").respond(
        400, json=telnyx_error("10015", "Bad Request", "Campaign is not active.")
    )

    with pytest.raises(ProviderError) as caught:
        telnyx.configure(number_id, campaign_id="C1")

    assert not caught.value.retryable
    assert "Campaign is not active" in caught.value.message


def test_configure_can_unassign_the_messaging_profile_with_an_empty_id(api, telnyx):
    route = api.patch("/phone_numbers/1/messaging").respond(
        200, json=messaging_settings("+13125550101", "1", "")
    )

    telnyx.configure("1", messaging_profile_id="")

    assert body_of(route) == {"messaging_profile_id": ""}


# --- accounts from settings, and the API key kept secret -------------------------------


def test_from_settings_reads_the_providers_block(settings):
    settings.TELNYX_API_KEY = API_KEY
    settings.TELNYX_MESSAGING_PROFILE_ID = PROFILE
    settings.TELNYX_CONNECTION_ID = ""

    telnyx = TelnyxProvider.from_settings()

    assert telnyx.messaging_profile_id == PROFILE
    assert telnyx.connection_id is None
    assert telnyx.name == "telnyx"


def test_the_api_key_is_in_no_repr_error_or_log(api, telnyx, caplog):
    api.get("/available_phone_numbers").respond(200, json=AVAILABLE)
    api.post("/number_orders").respond(401, json=copy.deepcopy(BAD_REQUEST))
    api.delete("/phone_numbers/1").mock(side_effect=httpx.ConnectError("down"))

    with all_logs(caplog):
        telnyx.search(SearchQuery(area_code="312"))
        errors = []
        for attempt in (
            lambda: telnyx.order(["+13125550101"], reference="r"),
            lambda: telnyx.release("1"),
        ):
            with pytest.raises(ProviderError) as caught:
                attempt()
            errors.append(caught.value)

    assert_nowhere(repr(telnyx), API_KEY)
    assert_nowhere(str(telnyx), API_KEY)
    for error in errors:
        assert_nowhere(error_text(error), API_KEY)
        assert error.__cause__ is None and error.__suppress_context__
    assert any("Request options" in r.getMessage() for r in caplog.records), "debug logs seen"
    assert_nowhere(caplog.text, API_KEY)
    assert_nowhere("\n".join(str(vars(record)) for record in caplog.records), API_KEY)
