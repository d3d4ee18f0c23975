"""One date format on every /ops page, currency on amounts, words instead of enum names."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.staff_time import moment_text
from phonenumbers_app import services
from phonenumbers_app.labels import human_label
from phonenumbers_app.models import Billing, PhoneNumberEvent
from phonenumbers_app.templatetags.ops import moment
from phonenumbers_app.vocabularies import WarmupHealthState
from tests.factories import PhoneNumberFactory
from tests.warmup_factories import EngineRunFactory

pytestmark = pytest.mark.django_db

TIME = re.compile(r'<time datetime="([^"]+)">([^<]*)</time>')
ONE_FORMAT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T")
# A moment written any other way: "2026-11-27 20:01", "Nov. 27, 2026, 8:01 p.m.", ISO.
OTHER_MOMENT = re.compile(
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d|[A-Z][a-z]{2}\.? \d{1,2}, \d{4}|\d{1,2}:\d\d [ap]\.m\."
)


@pytest.fixture
def pages(business, admin_user):
    number = PhoneNumberFactory(
        business=business,
        warmup_enabled=True,
        warmup_state=WarmupHealthState.PAUSED,
        warmup_pause_reason="opt-outs",
        warmup_next_action_at=datetime.datetime(2026, 7, 1, 16, 30, tzinfo=datetime.UTC),
        provider_synced_at=datetime.datetime(2026, 1, 5, 12, 0, tzinfo=datetime.UTC),
    )
    services.phone_number_update(
        phone_number=number, acting_user=admin_user, fields={"name": "Renamed"}
    )
    EngineRunFactory()
    return [
        reverse("ops:dashboard"),
        reverse("ops:number", args=[number.pk]),
        reverse("ops:business", args=[business.pk]),
        reverse("ops:businesses"),
    ]


def test_every_moment_on_the_ops_pages_is_eastern_to_the_minute_in_a_time_element(
    admin_client, pages
):
    seen = 0
    for url in pages:
        content = admin_client.get(url).content.decode()
        for iso, text in TIME.findall(content):
            assert ONE_FORMAT.fullmatch(text), (url, text)
            assert datetime.datetime.fromisoformat(iso).tzinfo is not None, (url, iso)
            seen += 1
        outside = TIME.sub("", content.split("<main")[1])
        assert not OTHER_MOMENT.search(outside), (url, OTHER_MOMENT.search(outside).group())
    assert seen >= 8


def test_a_moment_says_eastern_time_with_its_zone_and_keeps_the_instant():
    winter = datetime.datetime(2026, 1, 15, 17, 5, 59, tzinfo=datetime.UTC)
    summer = datetime.datetime(2026, 7, 15, 17, 5, tzinfo=datetime.UTC)

    assert moment(winter) == (
        '<time datetime="2026-01-15T17:05:59+00:00">2026-01-15 12:05 EST</time>'
    )
    assert ">2026-07-15 13:05 EDT<" in moment(summer)
    assert moment(None) == "—" and moment(None, "never") == "never"


def test_billing_amount_shows_its_currency(admin_client, business):
    number = PhoneNumberFactory(business=business)
    Billing.objects.filter(phone_number=number).update(monthly_amount=Decimal("1.15"))

    content = admin_client.get(reverse("ops:number", args=[number.pk])).content.decode()

    assert "<dt>Monthly</dt><dd>$1.15 USD" in content


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("FailedProvisioning", "Failed provisioning"),
        ("Needs Attention", "Needs attention"),
        ("Not Started", "Not started"),
        ("NotSubmitted", "Not submitted"),
        ("NotRegistered", "Not registered"),
        ("Ready for SMS", "Ready for SMS"),
        ("Internal/test-only", "Internal/test-only"),
        ("Active", "Active"),
    ],
)
def test_vocabulary_values_read_as_words(value, label):
    assert human_label(value) == label


def test_dashboard_bars_say_words_not_enum_names(admin_client, business):
    PhoneNumberFactory(business=business)

    content = admin_client.get(reverse("ops:dashboard")).content.decode()

    bar_labels = re.findall(r'class="bar-label">([^<]+)<', content)
    assert "Failed provisioning" in bar_labels and "Not submitted" in bar_labels
    assert not [label for label in bar_labels if re.search(r"[a-z][A-Z]", label)]


def test_the_admin_writes_dates_as_the_ops_pages_do(admin_client, business, admin_user):
    number = PhoneNumberFactory(business=business)
    services.phone_number_update(phone_number=number, acting_user=admin_user, fields={"name": "X"})
    event = PhoneNumberEvent.objects.get(phone_number=number)

    page = admin_client.get(
        reverse("admin:phonenumbers_app_phonenumberevent_changelist")
    ).content.decode()

    assert f">{moment_text(event.created_at)}</a>" in page


def test_the_api_stays_on_utc_iso_8601(staff_client, business):
    number = PhoneNumberFactory(business=business)

    body = staff_client.get(f"/phone-numbers/{number.pk}").json()

    assert body["createdAt"].endswith(("Z", "+00:00"))
