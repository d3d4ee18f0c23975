"""The admin shows an event's values as "Label: before → after", not as raw JSON."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phonenumbers_app import services
from phonenumbers_app.models import PhoneNumberEvent
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

NAME_CHANGE = '<li data-field="name">Name: <del>Old</del> → <ins>New</ins></li>'


@pytest.fixture
def number(business, admin_user):
    number = services.phone_number_create(
        acting_user=admin_user, name="Old", number="+14155552671", business=business
    )
    services.phone_number_update(
        phone_number=number, acting_user=admin_user, fields={"name": "New"}
    )
    return number


def get(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_the_event_page_lists_the_changes_and_folds_the_stored_json(admin_client, number):
    event = PhoneNumberEvent.objects.get(phone_number=number, type="updated")

    html = get(
        admin_client, reverse("admin:phonenumbers_app_phonenumberevent_change", args=[event.pk])
    )

    assert NAME_CHANGE in html
    assert "Changes (before → after)" in html
    assert '<fieldset class="module aligned collapse' in html  # the JSON, folded
    assert html.index(NAME_CHANGE) < html.index("Stored data (JSON)")


def test_the_events_list_shows_each_event_s_changes(admin_client, number):
    html = get(admin_client, reverse("admin:phonenumbers_app_phonenumberevent_changelist"))

    assert NAME_CHANGE in html
    assert "Business: <del>—</del> → <ins>Acme Roofing</ins>" in html


def test_the_number_s_latest_events_show_their_changes(admin_client, number):
    html = get(admin_client, reverse("admin:phonenumbers_app_phonenumber_change", args=[number.pk]))

    assert NAME_CHANGE in html


def test_the_events_list_s_queries_do_not_grow_with_its_rows(admin_client, admin_user, number):
    url = reverse("admin:phonenumbers_app_phonenumberevent_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get(admin_client, url)
        return len(captured)

    few = queries()
    for index in range(10):
        business = BusinessFactory(name=f"Owner {index}")
        services.phone_number_update(phone_number=number, acting_user=admin_user, business=business)
    assert PhoneNumberEvent.objects.count() > 20

    assert queries() <= few
