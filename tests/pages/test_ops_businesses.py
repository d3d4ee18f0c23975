"""The /ops businesses index and a business's page: counts that add up, search, pages."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phonenumbers_app import selectors
from phonenumbers_app.pages.businesses import BUSINESSES_PER_PAGE
from phonenumbers_app.vocabularies import InventoryState
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


def _index(client, **params) -> str:
    response = client.get(reverse("ops:businesses"), params)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _business_names(content: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/ops/businesses/[0-9a-f-]+/">([^<]+)</a>', content)


class TestIndex:
    def test_lists_businesses_with_held_state_and_released_counts_linked_to_their_lists(
        self, admin_client
    ):
        acme = BusinessFactory(name="Acme Roofing")
        for state in ["Assigned", "Assigned", "Ready for SMS", "Suspended", "Warmup-only"]:
            PhoneNumberFactory(business=acme, inventory_state=state)
        PhoneNumberFactory(business=acme, inventory_state="Released", enabled=False)

        content = _index(admin_client)

        row = content.split("Acme Roofing</a>")[1].split("</tr>")[0]
        cells = re.findall(r'<td class="num">(.*?)</td>', row)
        texts = [re.sub(r"<[^>]+>", "", cell) for cell in cells]
        # Held, Assigned, Pending verification, Ready for SMS, Ready for voice, Suspended,
        # Released
        assert texts == ["5", "2", "0", "1", "0", "1", "1"]
        assert f'href="/ops/numbers/?businessId={acme.pk}"' in row
        assert f"businessId={acme.pk}&amp;inventoryState=Assigned" in row
        assert f"businessId={acme.pk}&amp;inventoryState=Released" in row

    def test_searches_by_part_of_the_name_in_any_case(self, admin_client):
        BusinessFactory(name="Acme Roofing")
        BusinessFactory(name="Globex")

        content = _index(admin_client, search="ROOF")

        assert _business_names(content) == ["Acme Roofing"]
        assert "1 business named like" in content

    def test_pages_through_businesses_by_name_both_ways(self, admin_client):
        names = [f"Business {index:03d}" for index in range(BUSINESSES_PER_PAGE + 3)]
        for name in reversed(names):
            BusinessFactory(name=name)

        first = _index(admin_client)
        second = _index(admin_client, page=2)
        descending = _index(admin_client, orderBy="-name")

        assert _business_names(first) == names[:BUSINESSES_PER_PAGE]
        assert _business_names(second) == names[BUSINESSES_PER_PAGE:]
        assert _business_names(descending)[:2] == [names[-1], names[-2]]
        assert 'rel="next"' in first and 'rel="prev"' in second

    def test_a_page_counts_its_businesses_numbers_in_one_query(self, admin_client):
        for index in range(3):
            business = BusinessFactory(name=f"Small {index}")
            PhoneNumberFactory(business=business)
        with CaptureQueriesContext(connection) as few:
            _index(admin_client)
        for index in range(20):
            business = BusinessFactory(name=f"More {index}")
            for _ in range(3):
                PhoneNumberFactory(business=business)

        with CaptureQueriesContext(connection) as many:
            _index(admin_client)

        assert len(many) == len(few)
        counting = [
            q["sql"] for q in many.captured_queries if "phonenumbers_app_phonenumber" in q["sql"]
        ]
        assert len(counting) == 1 and "GROUP BY" in counting[0]

    def test_is_in_the_top_navigation(self, admin_client):
        content = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert f'<a href="{reverse("ops:businesses")}"' in content

    def test_no_match_says_so(self, admin_client):
        assert "No business has a name containing" in _index(admin_client, search="zzz")


class TestBusinessPage:
    def test_totals_held_and_released_apart_and_only_states_that_occur(
        self, admin_client, business
    ):
        PhoneNumberFactory(business=business, is_default=True)
        PhoneNumberFactory(business=business, inventory_state="Suspended")
        PhoneNumberFactory(business=business, inventory_state="Released", enabled=False)
        PhoneNumberFactory()  # the pool's, Available

        content = admin_client.get(reverse("ops:business", args=[business.pk])).content.decode()

        states = re.findall(r'<span class="badge badge-[^"]+">([^<]+)</span>', content)
        assert states == ["Assigned", "Suspended"]
        assert "Available" not in content
        assert re.search(r'id="held-total"><a href="[^"]+">2</a>', content)
        assert re.search(r'id="released-total"><a href="[^"]+">1</a>', content)
        assert f"businessId={business.pk}&amp;inventoryState=Suspended" in content

    def test_counts_are_those_of_the_list_each_links_to(self, admin_client, admin_user, business):
        from django.http import QueryDict

        for state in ["Assigned", "Ready for voice", "Released"]:
            PhoneNumberFactory(
                business=business, inventory_state=state, enabled=state != "Released"
            )
        summary = selectors.business_summary(business=business)["counts"]

        held = selectors.ops_number_list(
            user=admin_user, params=QueryDict(f"businessId={business.pk}")
        )
        released = selectors.ops_number_list(
            user=admin_user,
            params=QueryDict(f"businessId={business.pk}&inventoryState=Released"),
        )
        assert (summary.held, summary.released) == (held.count(), released.count()) == (2, 1)

    def test_a_business_without_numbers_says_so(self, admin_client, business):
        content = admin_client.get(reverse("ops:business", args=[business.pk])).content.decode()

        assert "It holds no numbers." in content
        assert InventoryState.AVAILABLE not in content
