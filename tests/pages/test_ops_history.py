"""The /ops number page's history shows each event's values: "Label: before → after"."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phonenumbers_app import services
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(business, admin_user):
    return services.phone_number_create(
        acting_user=admin_user, name="Old", number="+14155552671", business=business
    )


def page(client, number) -> str:
    response = client.get(reverse("ops:number", args=[number.pk]))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_an_update_shows_its_field_before_and_after(admin_client, admin_user, number):
    services.phone_number_update(
        phone_number=number, acting_user=admin_user, fields={"name": "New"}
    )

    html = page(admin_client, number)

    assert (
        '<div class="change" data-field="name"><dt>Name</dt>\n'
        '          <dd><del>Old</del> <span class="arrow">→</span> <ins>New</ins></dd></div>'
    ) in html


def test_values_read_for_people(admin_client, admin_user, number, other_business):
    services.phone_number_update(
        phone_number=number,
        acting_user=admin_user,
        fields={"enabled": False},
        ten_dlc={"campaign_status": "Approved"},
    )
    services.phone_number_update(
        phone_number=number, acting_user=admin_user, business=other_business
    )

    html = page(admin_client, number)

    assert "<dt>Enabled</dt>\n          <dd><del>Yes</del>" in html
    assert "<dt>10DLC campaign status</dt>\n          <dd><del>—</del>" in html
    assert "<ins>Other Co</ins>" in html  # the business's name, not its id
    assert "tenDlc.campaignStatus</dt>" not in html


def test_values_are_escaped(admin_client, admin_user, number):
    services.phone_number_update(
        phone_number=number, acting_user=admin_user, fields={"name": "<b>bold</b>"}
    )

    html = page(admin_client, number)

    assert "<ins>&lt;b&gt;bold&lt;/b&gt;</ins>" in html


def test_the_page_s_queries_do_not_grow_with_its_events(admin_client, admin_user, number):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(admin_client, number)
        return len(captured)

    few = queries()
    # Moves between businesses: each event names businesses and users to look up.
    for index in range(12):
        business = BusinessFactory(name=f"Owner {index}")
        services.phone_number_update(phone_number=number, acting_user=admin_user, business=business)
        services.phone_number_update(
            phone_number=number, acting_user=admin_user, fields={"name": f"Line {index}"}
        )
    html = page(admin_client, number)
    assert html.count('<dl class="changes"') == 25  # a full page of events, each with values

    assert queries() <= few
