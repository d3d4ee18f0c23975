"""The /ops numbers list as an operator's tool: business by name, chips, the count, paging
both ways, and released numbers out of the way."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phonenumbers_app import selectors
from phonenumbers_app.pages import number_list
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory
from warmup.clock import EASTERN

pytestmark = pytest.mark.django_db
URL = reverse("ops:numbers")


def _shown(response) -> set[str]:
    return {row.number.number for row in response.context["rows"]}


def _links(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', body)
    return unescape(found.group(1)) if found else None


class TestReleasedNumbers:
    @pytest.fixture
    def numbers(self, business):
        live = PhoneNumberFactory(business=business, status=PhoneNumberStatus.ACTIVE)
        gone = PhoneNumberFactory(
            business=business,
            inventory_state=InventoryState.RELEASED,
            status=PhoneNumberStatus.ACTIVE,
        )
        return live, gone

    def test_are_hidden_by_default_and_the_count_says_so(self, admin_client, numbers):
        live, _gone = numbers

        response = admin_client.get(URL)

        assert _shown(response) == {live.number}
        assert response.context["count"] == (1, False)
        assert b"released numbers hidden" in response.content

    @pytest.mark.parametrize(
        "query", [{"released": "show"}, {"inventoryState": "Released"}], ids=["show", "asked"]
    )
    def test_show_when_asked_for(self, admin_client, numbers, query):
        _live, gone = numbers

        response = admin_client.get(URL, query)

        assert gone.number in _shown(response)
        assert b"released numbers hidden" not in response.content

    def test_never_carry_a_green_active_badge(self, admin_client, numbers):
        live, gone = numbers

        body = admin_client.get(URL, {"released": "show"}).content.decode()

        row = body.split(f">{gone.number}</a>")[1].split("</tr>")[0]
        assert "badge-active" not in row and "Active" in row
        assert body.split(f">{live.number}</a>")[1].split("</tr>")[0].count("badge-active") == 1

    def test_a_bad_released_value_is_a_form_error(self, admin_client, numbers):
        response = admin_client.get(URL, {"released": "maybe"})

        assert b"Must be show or hide." in response.content
        assert response.context["page"] is None


class TestBusinessByName:
    def test_the_exact_name_filters_by_that_business(self, admin_client, business, other_business):
        mine = PhoneNumberFactory(business=business)
        PhoneNumberFactory(business=other_business)

        response = admin_client.get(URL, {"business": "acme roofing"})

        assert _shown(response) == {mine.number}
        chips = response.context["asked"].chips
        assert [(c.label, c.value) for c in chips] == [("Business", "Acme Roofing")]

    def test_a_part_of_one_business_s_name_is_enough(self, admin_client, business, other_business):
        mine = PhoneNumberFactory(business=business)

        response = admin_client.get(URL, {"business": "roof"})

        assert _shown(response) == {mine.number}
        assert f'name="businessId" id="id_businessId" value="{business.pk}"' in (
            response.content.decode()
        )

    def test_a_name_several_businesses_share_asks_which(self, admin_client, business):
        twin = BusinessFactory(name="Acme Roofing")
        PhoneNumberFactory(business=business)
        PhoneNumberFactory(business=twin)

        response = admin_client.get(URL, {"business": "Acme Roofing"})

        assert _shown(response) == set()
        body = response.content.decode()
        assert "Several businesses are named like" in body
        assert f'href="?businessId={business.pk}"' in body
        assert f'href="?businessId={twin.pk}"' in body

    def test_an_unknown_name_says_so_and_shows_nothing(self, admin_client, business):
        PhoneNumberFactory(business=business)

        response = admin_client.get(URL, {"business": "Nobody"})

        assert "No business is named like “Nobody”." in response.content.decode()
        assert response.context["page"] is None

    def test_a_link_s_business_id_shows_its_name(self, admin_client, business):
        response = admin_client.get(URL, {"businessId": str(business.pk)})

        assert 'value="Acme Roofing"' in response.content.decode()
        assert [c.value for c in response.context["asked"].chips] == ["Acme Roofing"]

    def test_a_name_typed_over_a_link_s_business_wins(self, admin_client, business, other_business):
        theirs = PhoneNumberFactory(business=other_business)
        PhoneNumberFactory(business=business)

        response = admin_client.get(URL, {"businessId": str(business.pk), "business": "Other Co"})

        assert _shown(response) == {theirs.number}


class TestBusinessLookup:
    def test_suggests_businesses_starting_with_the_text_first(self, admin_client):
        BusinessFactory(name="Best Acme Supplies")
        BusinessFactory(name="Acme Roofing")
        BusinessFactory(name="Zeta")

        body = admin_client.get(reverse("ops:business-lookup"), {"q": "acme"}).json()

        assert [b["name"] for b in body["results"]] == ["Acme Roofing", "Best Acme Supplies"]

    def test_is_for_staff_only(self, client, business):
        tenant = UserFactory()
        client.force_login(tenant)

        response = client.get(reverse("ops:business-lookup"), {"q": "acme"})

        assert response.status_code == 302
        assert b"Acme" not in response.content


class TestChips:
    def test_each_value_has_a_chip_that_removes_only_it(self, admin_client, business):
        query = {"status": ["Active", "Suspended"], "provider": "telnyx", "pageSize": "25"}

        chips = admin_client.get(URL, query).context["asked"].chips

        assert [(c.label, c.value) for c in chips] == [
            ("Status", "Active"),
            ("Status", "Suspended"),
            ("Provider", "Telnyx"),
        ]
        rest = parse_qs(urlsplit(chips[0].remove_url).query)
        assert rest == {"status": ["Suspended"], "provider": ["telnyx"], "pageSize": ["25"]}


class TestCount:
    def test_counts_exactly_below_the_bound(self, admin_client, business):
        for _ in range(3):
            PhoneNumberFactory(business=business)

        response = admin_client.get(URL, {"businessId": str(business.pk)})

        assert response.context["count"] == (3, False)
        assert "<strong>3</strong> numbers match" in response.content.decode()

    def test_says_more_than_the_bound_beyond_it(self, admin_client, business, monkeypatch):
        monkeypatch.setattr(number_list, "COUNT_BOUND", 2)
        monkeypatch.setattr(selectors, "SMALL_RESULT", 1)
        for _ in range(3):
            PhoneNumberFactory(business=business)

        body = admin_client.get(URL).content.decode()

        assert "<strong>2+</strong> numbers match" in body
        assert "Apply to all 2+ matching" in body or "ops:bulk" not in body


class TestPaging:
    def test_previous_page_goes_back_to_the_rows_before(self, admin_client, business):
        for _ in range(5):
            PhoneNumberFactory(business=business)
        query = {"pageSize": "2", "orderBy": "number"}

        first = admin_client.get(URL, query)
        second = admin_client.get(URL + _links(first.content.decode(), "next"))
        third = admin_client.get(URL + _links(second.content.decode(), "next"))
        back = admin_client.get(URL + _links(third.content.decode(), "prev"))

        assert _links(first.content.decode(), "prev") is None
        assert _shown(back) == _shown(second)
        assert len(_shown(third)) == 1 and _links(third.content.decode(), "next") is None
        assert 'value="2" selected' in back.content.decode()


class TestDayFilters:
    def test_a_day_picked_means_that_whole_day_on_eastern_time(self, admin_client, business):
        day = datetime.date(2026, 3, 10)
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=EASTERN)
        before = PhoneNumberFactory(business=business, created_at=start - datetime.timedelta(1e-3))
        first = PhoneNumberFactory(business=business, created_at=start)
        last = PhoneNumberFactory(
            business=business, created_at=start + datetime.timedelta(hours=23, minutes=59)
        )
        after = PhoneNumberFactory(business=business, created_at=start + datetime.timedelta(1))

        one_day = {"createdAtFrom": "2026-03-10", "createdAtTo": "2026-03-10"}
        response = admin_client.get(URL, one_day)

        assert _shown(response) == {first.number, last.number}
        assert before.number not in _shown(response) and after.number not in _shown(response)
        assert 'type="date" name="createdAtFrom" value="2026-03-10"' in response.content.decode()

    def test_an_instant_from_a_link_is_kept_when_the_form_is_sent_again(self, admin_client):
        response = admin_client.get(URL, {"createdAtFrom": "2026-03-10T12:00:00Z"})

        body = response.content.decode()
        assert '<input type="hidden" name="createdAtFrom" value="2026-03-10T12:00:00Z">' in body

    def test_a_day_that_does_not_exist_is_a_form_error(self, admin_client):
        response = admin_client.get(URL, {"createdAtFrom": "2026-02-30"})

        assert b"Not a date: use YYYY-MM-DD." in response.content
        assert response.context["page"] is None


class TestFewMatches:
    def test_a_few_matches_are_read_by_their_ids(self, admin_client, business, monkeypatch):
        monkeypatch.setattr(selectors, "SMALL_RESULT", 3)
        few = [PhoneNumberFactory(business=business, enabled=False) for _ in range(2)]
        for _ in range(4):
            PhoneNumberFactory(business=business)

        narrow = admin_client.get(URL, {"enabled": "false"})
        wide = admin_client.get(URL, {"enabled": "true"})

        assert _shown(narrow) == {n.number for n in few}
        assert narrow.context["count"] == (2, False)
        assert wide.context["count"] == (4, False) and len(_shown(wide)) == 4

    def test_none_matching_reads_no_page(self, admin_client, business):
        PhoneNumberFactory(business=business)

        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(URL, {"enabled": "false"})

        assert response.context["count"] == (0, False)
        number_reads = [q for q in queries.captured_queries if "phonenumber" in q["sql"]]
        assert len(number_reads) == 1  # the ids; no page is read for none
        assert "No numbers match." in response.content.decode()
