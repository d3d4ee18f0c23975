from http import HTTPStatus

import pytest
from django.urls import reverse

from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.services import phone_number_create
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "accounts_user",
    "accounts_userapikey",
    "businesses_business",
    "phonenumbers_app_phonenumber",
    "phonenumbers_app_phonenumberevent",
    "core_idempotencyrecord",
    "phonenumbers_app_tendlc",
    "phonenumbers_app_billing",
    "businesses_membership",
]


@pytest.fixture
def created_number(admin_user):
    return phone_number_create(
        acting_user=admin_user, name="A", number="+14155552671", business=BusinessFactory()
    )


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_change_pages_render(admin_client, created_number, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))

    assert response.status_code == HTTPStatus.OK


# A datetime column of each changelist that has one.
DATETIME_LOOKUPS = {
    "accounts_user": "date_joined__gte",
    "accounts_userapikey": "created__lte",
    "businesses_business": "created_at__gte",
    "businesses_membership": "created_at__lt",
    "phonenumbers_app_phonenumber": "created_at__gte",
    "phonenumbers_app_phonenumberevent": "created_at__lte",
    "core_idempotencyrecord": "created_at__gt",
    "phonenumbers_app_tendlc": "status_updated_at__gte",
}


@pytest.mark.parametrize(("model", "lookup"), DATETIME_LOOKUPS.items())
@pytest.mark.parametrize("offset", ["+16:00", "-23:59"])
def test_datetime_filter_with_an_offset_postgresql_refuses_is_dropped_with_a_message(
    admin_client, created_number, model, lookup, offset
):
    url = reverse(f"admin:{model}_changelist")
    value = f"2024-01-01T00:00:00{offset}"

    response = admin_client.get(url, {lookup: value, "o": "1"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{url}?o=1"
    page = admin_client.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert [str(m) for m in page.context["messages"]] == [
        f"Filter {lookup}={value} was not applied: The UTC offset must be from -15:59 to +15:59."
    ]


def test_datetime_filter_within_the_offsets_still_filters(admin_client, created_number):
    url = reverse("admin:phonenumbers_app_phonenumber_changelist")

    later = admin_client.get(url, {"created_at__gte": "2999-01-01T00:00:00+15:59"})
    earlier = admin_client.get(url, {"created_at__gte": "2000-01-01T00:00:00-15:59"})

    assert created_number.number.encode() not in later.content
    assert created_number.number.encode() in earlier.content


def test_phone_number_page_shows_its_events(admin_client, created_number):
    response = admin_client.get(
        reverse("admin:phonenumbers_app_phonenumber_change", args=[created_number.pk])
    )

    assert response.status_code == HTTPStatus.OK
    assert b"Created for" in response.content


def test_events_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, created_number):
    event = PhoneNumberEvent.objects.get()

    assert (
        admin_client.get(reverse("admin:phonenumbers_app_phonenumberevent_add")).status_code == 403
    )
    delete = reverse("admin:phonenumbers_app_phonenumberevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert PhoneNumberEvent.objects.filter(pk=event.pk).exists()


def test_search_by_number_typed_as_e164(admin_client, created_number):
    response = admin_client.get(
        reverse("admin:phonenumbers_app_phonenumber_changelist"), {"q": "+14155552671"}
    )

    assert created_number.number.encode() in response.content


def test_business_created_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:businesses_business_add"),
        {"name": "Admin Made"},
    )

    assert response.status_code == HTTPStatus.FOUND


def test_link_to_all_events_of_a_number_filters_the_event_list(admin_client, created_number):
    url = reverse("admin:phonenumbers_app_phonenumberevent_changelist")

    response = admin_client.get(url, {"phone_number__id__exact": str(created_number.pk)})

    assert response.status_code == HTTPStatus.OK
    assert b"Created for" in response.content


def test_business_renamed_and_deleted_in_the_admin_go_through_the_services(admin_client):
    from businesses.models import Business

    business = BusinessFactory(name="Old")
    change = reverse("admin:businesses_business_change", args=[business.pk])

    admin_client.post(change, {"name": "New"})
    business.refresh_from_db()
    assert business.name == "New"
    assert business.modified_at is not None

    delete = reverse("admin:businesses_business_delete", args=[business.pk])
    admin_client.post(delete, {"post": "yes"})
    assert not Business.objects.filter(pk=business.pk).exists()


def test_membership_added_and_removed_in_the_admin(admin_client, admin_user):
    from businesses.models import Membership

    business = BusinessFactory()
    add = reverse("admin:businesses_membership_add")

    response = admin_client.post(add, {"user": admin_user.pk, "business": business.pk})

    assert response.status_code == HTTPStatus.FOUND
    membership = Membership.objects.get(business=business)
    delete = reverse("admin:businesses_membership_delete", args=[membership.pk])
    admin_client.post(delete, {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
