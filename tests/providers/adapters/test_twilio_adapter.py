"""The Twilio adapter (providers/twilio.py) against Twilio's API, intercepted by `responses`.

No network: `responses` replaces requests' transport adapter. The bodies are the ones of
Twilio's API definitions, as published in Twilio's reference pages and as the generated
integration tests of the official library (twilio/twilio-python) replay them:
- AvailablePhoneNumbers Local — https://www.twilio.com/docs/phone-numbers/api/availablephonenumberlocal-resource,
  twilio/twilio-python tests/integration/api/v2010/account/available_phone_number/test_local.py
- IncomingPhoneNumbers (create, list with next_page_uri paging, delete 204) —
  https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource,
  twilio/twilio-python tests/integration/api/v2010/account/test_incoming_phone_number.py
- Pricing v1 phone number countries — twilio/twilio-python
  tests/integration/pricing/v1/phone_number/test_country.py
- Messaging Service phone numbers — twilio/twilio-python
  tests/integration/messaging/v1/service/test_phone_number.py
- Messaging Service US A2P campaigns (Compliance/Usa2p) — twilio/twilio-python
  tests/integration/messaging/v1/service/test_us_app_to_person.py
- Error body {code, message, more_info, status} — https://www.twilio.com/docs/usage/twilios-response
  and https://www.twilio.com/docs/errors/20404 (codes 20404 not found, 20429 too many
  requests, 21422 number not available, 21710 already in the messaging service, 20003
  authentication)
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from providers.base import (
    Availability,
    AvailableNumber,
    NumberLocation,
    OrderState,
    ProviderError,
    ReleaseState,
    SearchQuery,
)
from providers.twilio import OWNED_PAGE_SIZE, TwilioProvider
from tests.providers.adapters.helpers import all_logs, assert_nowhere, error_text

ACCOUNT = "AC" + "a" * 32
TOKEN = "f3e1c0ffee5ecre7a0th70ken0123456"
SERVICE = "MG" + "a" * 32
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"
LOCAL = f"{API}/AvailablePhoneNumbers/US/Local.json"
INCOMING = f"{API}/IncomingPhoneNumbers.json"
PRICING = "https://pricing.twilio.com/v1/PhoneNumbers/Countries/US"
SERVICE_NUMBERS = f"https://messaging.twilio.com/v1/Services/{SERVICE}/PhoneNumbers"
SERVICE_CAMPAIGNS = f"https://messaging.twilio.com/v1/Services/{SERVICE}/Compliance/Usa2p"


def available(number: str, locality: str, region: str, capabilities: dict) -> dict:
    return {
        "address_requirements": "none",
        "beta": False,
        "capabilities": capabilities,
        "friendly_name": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
        "iso_country": "US",
        "lata": "834",
        "latitude": "19.720000",
        "locality": locality,
        "longitude": "-155.090000",
        "phone_number": number,
        "postal_code": "96720",
        "rate_center": locality.upper(),
        "region": region,
    }


AVAILABLE = {
    "available_phone_numbers": [
        available("+18089251571", "Hilo", "HI", {"mms": True, "sms": True, "voice": True}),
        available("+18089251572", "Hilo", "HI", {"MMS": True, "SMS": False, "voice": True}),
    ],
    "uri": f"/2010-04-01/Accounts/{ACCOUNT}/AvailablePhoneNumbers/US/Local.json",
}


def incoming(number: str, sid: str, **changes) -> dict:
    record = {
        "account_sid": ACCOUNT,
        "address_requirements": "none",
        "address_sid": "AD" + "a" * 32,
        "api_version": "2010-04-01",
        "beta": False,
        "capabilities": {"mms": True, "sms": True, "voice": True},
        "date_created": "Thu, 30 Jul 2015 23:19:04 +0000",
        "date_updated": "Thu, 30 Jul 2015 23:19:04 +0000",
        "emergency_status": "Active",
        "emergency_address_sid": "AD" + "a" * 32,
        "friendly_name": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
        "identity_sid": "RI" + "a" * 32,
        "origin": "twilio",
        "phone_number": number,
        "sid": sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{sid}.json",
        "voice_application_sid": "",
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": None,
        "bundle_sid": None,
        "status": "in-use",
    }
    record.update(changes)
    return record


def incoming_page(records: list[dict], page: int, next_token: str | None) -> dict:
    base = f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json?PageSize={OWNED_PAGE_SIZE}"
    return {
        "end": page * OWNED_PAGE_SIZE + len(records) - 1,
        "first_page_uri": f"{base}&Page=0",
        "incoming_phone_numbers": records,
        "next_page_uri": f"{base}&Page={page + 1}&PageToken={next_token}" if next_token else None,
        "page": page,
        "page_size": OWNED_PAGE_SIZE,
        "previous_page_uri": None,
        "start": page * OWNED_PAGE_SIZE,
        "uri": f"{base}&Page={page}",
    }


PRICES = {
    "country": "United States",
    "iso_country": "US",
    "phone_number_prices": [
        {"number_type": "local", "base_price": "1.15", "current_price": "1.15"},
        {"number_type": "toll free", "base_price": "2.15", "current_price": "2.15"},
    ],
    "price_unit": "USD",
    "url": PRICING,
}


def service_number(sid: str, number: str) -> dict:
    return {
        "sid": sid,
        "account_sid": ACCOUNT,
        "service_sid": SERVICE,
        "date_created": "2015-07-30T20:12:31Z",
        "date_updated": "2015-07-30T20:12:33Z",
        "phone_number": number,
        "country_code": "US",
        "capabilities": ["MMS", "SMS", "Voice"],
        "url": f"{SERVICE_NUMBERS}/{sid}",
    }


CAMPAIGN_SID = "QE2c6890da8086d771620e9b13fadeba0b"
CAMPAIGNS = {
    "compliance": [
        {
            "sid": CAMPAIGN_SID,
            "account_sid": ACCOUNT,
            "brand_registration_sid": "BN" + "a" * 32,
            "messaging_service_sid": SERVICE,
            "description": "Send marketing messages about sales to opted in customers.",
            "message_samples": ["EXPRESS: Denim Days Event is ON"],
            "us_app_to_person_usecase": "MARKETING",
            "has_embedded_links": True,
            "has_embedded_phone": False,
            "campaign_status": "VERIFIED",
            "campaign_id": "CXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "is_externally_registered": False,
            "rate_limits": {
                "att": {"mps": 600, "msg_class": "A"},
                "tmobile": {"brand_tier": "TOP"},
            },
            "message_flow": "End users opt-in by visiting www.example.com.",
            "opt_in_message": None,
            "opt_out_message": None,
            "help_message": None,
            "opt_in_keywords": ["START"],
            "opt_out_keywords": ["STOP"],
            "help_keywords": ["HELP"],
            "date_created": "2021-02-18T14:48:52Z",
            "date_updated": "2021-02-18T14:48:52Z",
            "url": f"{SERVICE_CAMPAIGNS}/{CAMPAIGN_SID}",
            "mock": False,
        }
    ],
    "meta": {
        "page": 0,
        "page_size": 50,
        "first_page_url": f"{SERVICE_CAMPAIGNS}?PageSize=50&Page=0",
        "previous_page_url": None,
        "next_page_url": None,
        "url": f"{SERVICE_CAMPAIGNS}?PageSize=50&Page=0",
        "key": "compliance",
    },
}


def twilio_error(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


NOT_AVAILABLE = twilio_error(400, 21422, "PhoneNumber requested is not available")
NOT_FOUND = twilio_error(404, 20404, "The requested resource was not found")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def twilio():
    return TwilioProvider(account_sid=ACCOUNT, auth_token=TOKEN)


@pytest.fixture
def twilio_with_service():
    return TwilioProvider(account_sid=ACCOUNT, auth_token=TOKEN, messaging_service_sid=SERVICE)


def query(call) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def form(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body or "").items()}


def calls_to(api, url: str, method: str = "GET") -> list:
    return [
        c for c in api.calls if c.request.method == method and c.request.url.split("?")[0] == url
    ]


# --- search ----------------------------------------------------------------------------


def test_search_sends_the_filters_and_maps_location_and_capabilities(api, twilio):
    api.get(LOCAL, json=AVAILABLE)

    found = twilio.search(
        SearchQuery(area_code="808", locality="Hilo", region="HI", pattern="925", quantity=2)
    )

    assert query(api.calls[0]) == {
        "AreaCode": "808",
        "Contains": "925",
        "InLocality": "Hilo",
        "InRegion": "HI",
        "SmsEnabled": "true",
        "PageSize": "2",
    }
    assert api.calls[0].request.headers["Authorization"].startswith("Basic ")
    hilo = NumberLocation(locality="Hilo", region="HI", country_code="US")
    # No price: AvailablePhoneNumbers carry none (check() asks the Pricing API).
    assert found == [
        AvailableNumber(number="+18089251571", location=hilo, sms=True, voice=True),
        AvailableNumber(number="+18089251572", location=hilo, sms=False, voice=True),
    ]


def test_search_asks_for_voice_only_when_required(api, twilio):
    api.get(LOCAL, json={"available_phone_numbers": [], "uri": "/x"})

    assert twilio.search(SearchQuery(area_code="808", sms=True, voice=True)) == []
    assert query(api.calls[-1])["VoiceEnabled"] == "true"
    twilio.search(SearchQuery(area_code="808", sms=False, voice=False))
    assert "VoiceEnabled" not in query(api.calls[-1])
    assert "SmsEnabled" not in query(api.calls[-1])


def test_search_never_returns_more_than_the_quantity(api, twilio):
    api.get(LOCAL, json=AVAILABLE)

    assert len(twilio.search(SearchQuery(area_code="808", quantity=1))) == 1


# --- check -----------------------------------------------------------------------------


def test_check_finds_the_number_and_prices_it_from_the_pricing_api(api, twilio):
    api.get(LOCAL, json=AVAILABLE)
    api.get(PRICING, json=PRICES)

    answer = twilio.check("+18089251571")

    assert query(calls_to(api, LOCAL)[0]) == {"Contains": "8089251571", "PageSize": "5"}
    assert answer == Availability(
        number="+18089251571",
        available=True,
        monthly_price=Decimal("1.15"),
        currency="USD",
        location=NumberLocation(locality="Hilo", region="HI", country_code="US"),
    )


def test_check_asks_the_price_once_an_hour_per_country(api, twilio):
    api.get(LOCAL, json=AVAILABLE)
    api.get(PRICING, json=PRICES)

    twilio.check("+18089251571")
    twilio.check("+18089251572")

    assert len(calls_to(api, PRICING)) == 1


def test_check_of_a_number_not_offered_says_unavailable_without_pricing(api, twilio):
    api.get(LOCAL, json=AVAILABLE)

    answer = twilio.check("+18089251599")

    assert not answer.available
    assert "does not offer" in answer.reason
    assert not calls_to(api, PRICING)


def test_check_with_pricing_down_still_answers_without_a_price(api, twilio):
    api.get(LOCAL, json=AVAILABLE)
    api.get(PRICING, status=503, json=twilio_error(503, 20500, "Service Unavailable"))

    answer = twilio.check("+18089251571")

    assert answer.available
    assert (answer.monthly_price, answer.currency) == (None, None)


def test_check_refuses_a_malformed_number_without_asking_twilio(api, twilio):
    with pytest.raises(ProviderError) as caught:
        twilio.check("not a number")
    assert not caught.value.retryable
    assert not api.calls


# --- order -----------------------------------------------------------------------------


def test_order_buys_each_number_and_reports_each_result_at_once(api, twilio):
    def create(request):
        number = parse_qs(request.body)["PhoneNumber"][0]
        if number == "+18089251571":
            return 201, {}, json.dumps(incoming(number, "PN" + "1" * 32))
        return 400, {}, json.dumps(NOT_AVAILABLE)

    api.add_callback(responses.POST, INCOMING, callback=create)

    order = twilio.order(["+18089251571", "+18089251572"], reference="order-7")

    assert [form(c) for c in calls_to(api, INCOMING, "POST")] == [
        {"PhoneNumber": "+18089251571"},
        {"PhoneNumber": "+18089251572"},
    ]
    assert order.provider_order_id is None  # Twilio has no orders
    assert order.state == OrderState.SUCCESS
    bought, refused = order.numbers
    assert (bought.state, bought.provider_phone_number_id) == (OrderState.SUCCESS, "PN" + "1" * 32)
    assert refused.state == OrderState.FAILED
    assert refused.provider_phone_number_id is None
    assert "21422" in refused.error and "not available" in refused.error


def test_order_of_numbers_all_refused_failed(api, twilio):
    api.post(INCOMING, status=400, json=NOT_AVAILABLE)

    order = twilio.order(["+18089251571"], reference="order-8")

    assert order.state == OrderState.FAILED


def test_order_puts_bought_numbers_in_the_messaging_service(api, twilio_with_service):
    sid = "PN" + "1" * 32
    api.post(INCOMING, status=201, json=incoming("+18089251571", sid))
    api.post(SERVICE_NUMBERS, status=201, json=service_number(sid, "+18089251571"))

    order = twilio_with_service.order(["+18089251571"], reference="order-9")

    assert order.numbers[0].state == OrderState.SUCCESS
    assert form(calls_to(api, SERVICE_NUMBERS, "POST")[0]) == {"PhoneNumberSid": sid}


def test_order_keeps_a_bought_number_when_the_service_refuses_it(api, twilio_with_service):
    sid = "PN" + "1" * 32
    api.post(INCOMING, status=201, json=incoming("+18089251571", sid))
    api.post(
        SERVICE_NUMBERS,
        status=409,
        json=twilio_error(409, 21712, "Phone Number is associated with another Service"),
    )

    order = twilio_with_service.order(["+18089251571"], reference="order-10")

    assert order.numbers[0].state == OrderState.SUCCESS


def test_order_after_no_answer_asks_whether_the_number_was_bought(api, twilio):
    sid = "PN" + "2" * 32
    api.post(INCOMING, body=requests.exceptions.ReadTimeout("slow"))
    api.get(
        INCOMING,
        json=incoming_page([incoming("+18089251571", sid)], 0, None),
    )

    order = twilio.order(["+18089251571"], reference="order-11")

    assert query(calls_to(api, INCOMING)[0])["PhoneNumber"] == "+18089251571"
    assert order.numbers[0].state == OrderState.SUCCESS
    assert order.numbers[0].provider_phone_number_id == sid


def test_order_after_a_server_error_not_bought_is_failed(api, twilio):
    api.post(INCOMING, status=500, json=twilio_error(500, 20500, "Internal Server Error"))
    api.get(INCOMING, json=incoming_page([], 0, None))

    order = twilio.order(["+18089251571"], reference="order-12")

    assert order.state == OrderState.FAILED
    assert "500" in order.numbers[0].error


def test_order_with_twilio_down_from_the_start_is_retryable(api, twilio):
    api.post(INCOMING, body=requests.exceptions.ConnectionError("down"))
    api.get(INCOMING, body=requests.exceptions.ConnectionError("down"))

    with pytest.raises(ProviderError) as caught:
        twilio.order(["+18089251571", "+18089251572"], reference="order-13")

    assert caught.value.retryable
    # Nothing bought, nothing more tried: the whole call can run again.
    assert len(calls_to(api, INCOMING, "POST")) == 1


def test_order_with_twilio_down_after_refusals_only_is_retryable(api, twilio):
    outcomes = iter(
        [(400, {}, json.dumps(NOT_AVAILABLE)), requests.exceptions.ConnectionError("down")]
    )

    def create(request):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    api.add_callback(responses.POST, INCOMING, callback=create)
    api.get(INCOMING, body=requests.exceptions.ConnectionError("down"))

    with pytest.raises(ProviderError) as caught:
        twilio.order(["+18089251571", "+18089251572"], reference="order-14")

    assert caught.value.retryable


def test_order_with_twilio_going_down_midway_keeps_what_was_bought(api, twilio):
    sid = "PN" + "1" * 32
    outcomes = iter(
        [
            (201, {}, json.dumps(incoming("+18089251571", sid))),
            requests.exceptions.ConnectionError("down"),
        ]
    )

    def create(request):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    api.add_callback(responses.POST, INCOMING, callback=create)
    api.get(INCOMING, body=requests.exceptions.ConnectionError("down"))

    order = twilio.order(["+18089251571", "+18089251572", "+18089251573"], reference="o")

    assert [n.state for n in order.numbers] == [
        OrderState.SUCCESS,
        OrderState.FAILED,
        OrderState.FAILED,
    ]
    assert "unknown" in order.numbers[1].error
    assert "Not attempted" in order.numbers[2].error
    assert len(calls_to(api, INCOMING, "POST")) == 2


def test_order_status_says_twilio_has_no_orders(api, twilio):
    with pytest.raises(ProviderError) as caught:
        twilio.order_status("anything")

    assert caught.value.code == "no_orders"
    assert not caught.value.retryable
    assert not api.calls


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_server_errors_and_rate_limits_are_retryable_with_twilio_code(api, twilio, status, code):
    api.get(LOCAL, status=status, json=twilio_error(status, code, "Try again later"))

    with pytest.raises(ProviderError) as caught:
        twilio.search(SearchQuery(area_code="808"))

    assert caught.value.retryable
    assert caught.value.code == str(code)
    assert len(api.calls) == 1  # the library's retries are off


@pytest.mark.parametrize(
    ("status", "code"), [(400, 21452), (401, 20003), (403, 20403), (404, 20404)]
)
def test_client_errors_are_not_retryable(api, twilio, status, code):
    api.get(LOCAL, status=status, json=twilio_error(status, code, "Refused"))

    with pytest.raises(ProviderError) as caught:
        twilio.search(SearchQuery(area_code="808"))

    assert not caught.value.retryable
    assert caught.value.code == str(code)
    assert "Refused" in caught.value.message


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout("slow"),
        requests.exceptions.ReadTimeout("slow"),
        requests.exceptions.ConnectionError("down"),
    ],
)
def test_timeouts_and_connection_errors_are_retryable(api, twilio, failure):
    api.get(LOCAL, body=failure)

    with pytest.raises(ProviderError) as caught:
        twilio.search(SearchQuery(area_code="808"))

    assert caught.value.retryable
    assert caught.value.code is None


# --- release ---------------------------------------------------------------------------


def test_release_deletes_the_incoming_number(api, twilio):
    url = f"{API}/IncomingPhoneNumbers/PN{'1' * 32}.json"
    api.delete(url, status=204)

    assert twilio.release("PN" + "1" * 32) == ReleaseState.RELEASED
    assert len(calls_to(api, url, "DELETE")) == 1


def test_release_of_a_number_twilio_no_longer_has_counts_as_released(api, twilio):
    api.delete(f"{API}/IncomingPhoneNumbers/PN1.json", status=404, json=NOT_FOUND)

    assert twilio.release("PN1") == ReleaseState.RELEASED


def test_release_during_an_outage_is_retryable(api, twilio):
    api.delete(
        f"{API}/IncomingPhoneNumbers/PN1.json",
        status=503,
        json=twilio_error(503, 20503, "Service Unavailable"),
    )

    with pytest.raises(ProviderError) as caught:
        twilio.release("PN1")

    assert caught.value.retryable


# --- owned -----------------------------------------------------------------------------


def test_owned_pages_through_every_number(api, twilio):
    pages = {
        None: incoming_page(
            [
                incoming("+18089251571", "PN1", sms_application_sid=SERVICE),
                incoming("+18089251572", "PN2", voice_application_sid="AP" + "b" * 32),
            ],
            0,
            "PAPN2",
        ),
        "PAPN2": incoming_page(
            [incoming("+18089251573", "PN3", trunk_sid="TK" + "c" * 32)], 1, "PAPN3"
        ),
        "PAPN3": incoming_page(
            [incoming("+18089251574", "PN4", sms_application_sid="AP" + "d" * 32)], 2, None
        ),
    }

    def page(request):
        token = parse_qs(urlsplit(request.url).query).get("PageToken", [None])[0]
        return 200, {}, json.dumps(pages[token])

    api.add_callback(responses.GET, INCOMING, callback=page)

    seen, cursor, cursors = [], None, []
    while True:
        result = twilio.owned(cursor)
        seen.extend(result.numbers)
        cursors.append(result.next_cursor)
        if result.next_cursor is None:
            break
        cursor = result.next_cursor

    assert [query(c) for c in api.calls] == [
        {"PageSize": str(OWNED_PAGE_SIZE)},
        {"PageSize": str(OWNED_PAGE_SIZE), "PageToken": "PAPN2", "Page": "1"},
        {"PageSize": str(OWNED_PAGE_SIZE), "PageToken": "PAPN3", "Page": "2"},
    ]
    assert cursors[-1] is None
    assert [(n.number, n.provider_phone_number_id) for n in seen] == [
        ("+18089251571", "PN1"),
        ("+18089251572", "PN2"),
        ("+18089251573", "PN3"),
        ("+18089251574", "PN4"),
    ]
    first, second, third, fourth = seen
    assert (first.status, first.messaging_profile_id, first.connection_id) == (
        "in-use",
        SERVICE,
        None,
    )
    assert (second.messaging_profile_id, second.connection_id) == (None, "AP" + "b" * 32)
    assert third.connection_id == "TK" + "c" * 32
    # An SMS TwiML app is not a messaging service.
    assert fourth.messaging_profile_id is None
    assert all(n.campaign_id is None for n in seen)


@pytest.mark.parametrize(("status", "code", "retryable"), [(503, 20503, True), (401, 20003, False)])
def test_owned_refused_maps_twilio_error_from_the_page(api, twilio, status, code, retryable):
    # A refused page comes back from the library as TwilioException("Unable to fetch page").
    api.get(INCOMING, status=status, json=twilio_error(status, code, "No page"))

    with pytest.raises(ProviderError) as caught:
        twilio.owned()

    assert caught.value.retryable is retryable
    assert caught.value.code == str(code)


@pytest.mark.parametrize(
    "cursor",
    [
        "https://evil.example/steal?PageToken=x&Page=1",
        "PageToken=x&Page=1&Url=https://evil.example",
        "PageToken=x&Page=one",
        "PageToken=x",
        "garbage",
    ],
)
def test_owned_refuses_a_cursor_it_did_not_make(api, twilio, cursor):
    # A cursor is never a URL: a tampered one cannot send our credentials elsewhere.
    with pytest.raises(ProviderError) as caught:
        twilio.owned(cursor)
    assert not caught.value.retryable
    assert not api.calls


# --- configure -------------------------------------------------------------------------


def test_configure_puts_the_number_in_the_messaging_service(api, twilio):
    sid = "PN" + "1" * 32
    api.post(SERVICE_NUMBERS, status=201, json=service_number(sid, "+18089251571"))

    twilio.configure(sid, messaging_profile_id=SERVICE)

    assert form(api.calls[0]) == {"PhoneNumberSid": sid}


def test_configure_of_a_number_already_in_the_service_is_done(api, twilio):
    api.post(
        SERVICE_NUMBERS,
        status=409,
        json=twilio_error(409, 21710, "Phone Number is already in the Messaging Service"),
    )

    twilio.configure("PN1", messaging_profile_id=SERVICE)


def test_configure_refused_by_the_service_is_not_retryable(api, twilio):
    api.post(
        SERVICE_NUMBERS,
        status=409,
        json=twilio_error(409, 21712, "Phone Number is associated with another Service"),
    )

    with pytest.raises(ProviderError) as caught:
        twilio.configure("PN1", messaging_profile_id=SERVICE)

    assert caught.value.code == "21712"
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("connection", "field"),
    [("AP" + "b" * 32, "VoiceApplicationSid"), ("TK" + "c" * 32, "TrunkSid")],
)
def test_configure_connection_routes_voice_to_an_app_or_a_trunk(api, twilio, connection, field):
    url = f"{API}/IncomingPhoneNumbers/PN1.json"
    api.post(url, json=incoming("+18089251571", "PN1"))

    twilio.configure("PN1", connection_id=connection)

    assert form(api.calls[0]) == {field: connection}


@pytest.mark.parametrize("campaign", [CAMPAIGN_SID, "CXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
def test_configure_campaign_checks_it_is_on_the_numbers_service(api, twilio, campaign):
    api.get(SERVICE_CAMPAIGNS, json=CAMPAIGNS)
    api.post(SERVICE_NUMBERS, status=201, json=service_number("PN1", "+18089251571"))

    twilio.configure("PN1", messaging_profile_id=SERVICE, campaign_id=campaign)

    assert len(calls_to(api, SERVICE_CAMPAIGNS)) == 1
    assert len(calls_to(api, SERVICE_NUMBERS, "POST")) == 1


def test_configure_campaign_uses_the_account_service_when_none_is_given(api, twilio_with_service):
    api.get(SERVICE_CAMPAIGNS, json=CAMPAIGNS)

    twilio_with_service.configure("PN1", campaign_id=CAMPAIGN_SID)

    assert len(api.calls) == 1


def test_configure_campaign_not_on_the_service_is_refused_and_changes_nothing(api, twilio):
    api.get(SERVICE_CAMPAIGNS, json=CAMPAIGNS)

    with pytest.raises(ProviderError) as caught:
        twilio.configure("PN1", messaging_profile_id=SERVICE, campaign_id="QEother")

    assert caught.value.code == "campaign_not_per_number"
    assert not caught.value.retryable
    assert not calls_to(api, SERVICE_NUMBERS, "POST")


def test_configure_campaign_without_a_service_is_refused_without_asking(api, twilio):
    with pytest.raises(ProviderError) as caught:
        twilio.configure("PN1", campaign_id=CAMPAIGN_SID)

    assert caught.value.code == "campaign_not_per_number"
    assert "not per number" in caught.value.message
    assert not api.calls


def test_configure_with_nothing_to_set_asks_nothing(api, twilio):
    twilio.configure("PN1")
    assert not api.calls


# --- accounts from settings, and the auth token kept secret ----------------------------


def test_from_settings_reads_the_providers_block(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = SERVICE

    twilio = TwilioProvider.from_settings()

    assert (twilio.account_sid, twilio.messaging_service_sid, twilio.name) == (
        ACCOUNT,
        SERVICE,
        "twilio",
    )


def test_the_auth_token_is_in_no_repr_error_or_log(api, twilio, caplog):
    api.get(LOCAL, json=AVAILABLE)
    api.post(INCOMING, status=401, json=twilio_error(401, 20003, "Authenticate"))
    api.delete(
        f"{API}/IncomingPhoneNumbers/PN1.json", body=requests.exceptions.ConnectionError("x")
    )
    api.get(f"{API}/IncomingPhoneNumbers/PN2.json", status=500, json=copy.deepcopy(NOT_FOUND))

    with all_logs(caplog):
        twilio.search(SearchQuery(area_code="808"))
        order = twilio.order(["+18089251571"], reference="r")
        with pytest.raises(ProviderError) as caught:
            twilio.release("PN1")

    secrets = (TOKEN, f"{ACCOUNT}:{TOKEN}")
    assert_nowhere(repr(twilio), *secrets)
    assert_nowhere(str(twilio), *secrets)
    assert_nowhere(repr(order), *secrets)
    assert_nowhere(error_text(caught.value), *secrets)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert any("BEGIN Twilio API Request" in r.getMessage() for r in caplog.records)
    assert_nowhere(caplog.text, *secrets)
    assert_nowhere("\n".join(str(vars(record)) for record in caplog.records), *secrets)
