"""Operator pages under /ops/: staff only, filters that take, actions that are audited."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from phonenumbers_app import services
from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.operator_actions import OPERATOR_ACTIONS
from phonenumbers_app.vocabularies import EventType, WarmupHealthState
from tests.conftest import db_state
from tests.factories import PhoneNumberFactory, UserFactory
from warmup.clock import EASTERN

pytestmark = pytest.mark.django_db


@pytest.fixture
def warming(business):
    return PhoneNumberFactory(
        business=business,
        warmup_enabled=True,
        warmup_state=WarmupHealthState.WARMING,
        warmup_progress_percent=40,
        warmup_health_score=88,
    )


def _without_blank_lines(html: str) -> str:
    return "\n".join(line for line in html.splitlines() if line.strip())


class TestAccess:
    @pytest.mark.parametrize("name", ["ops:dashboard", "ops:numbers"])
    def test_anonymous_and_non_staff_are_sent_to_log_in(self, client, name):
        assert client.get(reverse(name)).status_code == HTTPStatus.FOUND
        client.force_login(UserFactory())
        response = client.get(reverse(name))
        assert response.status_code == HTTPStatus.FOUND
        assert "/admin/login/" in response["Location"]


class TestDashboard:
    def test_charts_link_to_the_filtered_list(self, admin_client, business):
        PhoneNumberFactory(business=business)

        response = admin_client.get(reverse("ops:dashboard"))

        assert response.status_code == HTTPStatus.OK
        content = response.content.decode()
        for title in ["Inventory state", "Status", "Warmup", "Health", "10DLC campaign"]:
            assert f"<h2>{title}</h2>" in content
        assert 'href="/ops/numbers/?inventoryState=Assigned"' in content
        assert "Inventory state Assigned: 1" in content

    def test_needs_attention_lists_each_number_with_its_reason(self, admin_client, business):
        sick = PhoneNumberFactory(
            business=business,
            health_status=WarmupHealthState.NEEDS_ATTENTION,
            health_reason="Delivery rate 71%",
        )
        fine = PhoneNumberFactory(business=business)

        content = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert sick.number in content
        assert "Health needs attention: Delivery rate 71%" in content
        attention = content.split('id="attention-title"')[1].split("Latest events")[0]
        assert fine.number not in attention

    def test_dashboard_query_count_does_not_grow_with_the_inventory(
        self, admin_client, business, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        PhoneNumberFactory(business=business)
        with CaptureQueriesContext(connection) as few:
            admin_client.get(reverse("ops:dashboard"))
        for _ in range(40):
            PhoneNumberFactory(business=business, health_status=WarmupHealthState.BLOCKED)

        with django_assert_max_num_queries(len(few)):
            admin_client.get(reverse("ops:dashboard"))

    def test_counts_are_reused_for_a_minute_and_the_page_says_when_they_were_taken(
        self, admin_client, business
    ):
        PhoneNumberFactory(business=business)
        first = admin_client.get(reverse("ops:dashboard"))
        PhoneNumberFactory(business=business)

        with CaptureQueriesContext(connection) as cached:
            again = admin_client.get(reverse("ops:dashboard"))
        cache.clear()  # as when the minute is over
        later = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert "Inventory state Assigned: 1" in again.content.decode()
        assert not [q for q in cached.captured_queries if "GROUP BY" in q["sql"]]
        assert "Counts as of <time datetime=" in first.content.decode()
        assert "Inventory state Assigned: 2" in later

    def test_needs_attention_is_live_while_the_counts_are_reused(self, admin_client, business):
        admin_client.get(reverse("ops:dashboard"))
        sick = PhoneNumberFactory(business=business, health_status=WarmupHealthState.BLOCKED)

        content = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert sick.number in content.split('id="attention-title"')[1]


class TestNumbers:
    def test_chart_link_filter_takes(self, admin_client, business):
        assigned = PhoneNumberFactory(business=business)
        pool = PhoneNumberFactory()

        response = admin_client.get(reverse("ops:numbers"), {"inventoryState": "Available"})

        assert pool.number.encode() in response.content
        assert assigned.number.encode() not in response.content
        assert b'name="inventoryState" value="Available" checked' in response.content

    def test_rows_link_the_number_and_its_business_and_show_states_and_dates(
        self, admin_client, business
    ):
        number = PhoneNumberFactory(business=business, inventory_state="Internal/test-only")
        pool = PhoneNumberFactory()

        body = admin_client.get(reverse("ops:numbers")).content.decode()

        assert f'<a href="{reverse("ops:number", args=[number.pk])}">{number.number}</a>' in body
        assert f'<a href="{reverse("ops:business", args=[business.pk])}">' in body
        assert f'<a href="{reverse("ops:number", args=[pool.pk])}">{pool.number}</a>' in body
        assert '<span class="badge badge-internal-test-only">Internal/test-only</span>' in body
        created = number.created_at.astimezone(EASTERN)
        minute = f"{created:%Y-%m-%d %H:%M %Z}"
        assert f'<time datetime="{created.isoformat()}" title="{minute}">' in body

    def test_the_form_shows_what_is_picked(self, admin_client):
        query = {"status": ["Active", "Suspended"], "enabled": "true", "provider": "telnyx"}
        body = admin_client.get(reverse("ops:numbers"), query).content.decode()

        assert 'name="status" value="Active" checked' in body
        assert 'name="status" value="Suspended" checked' in body
        assert 'name="status" value="Expired">' in body
        assert '<span class="picked">Active, Suspended</span>' in body
        assert '<option value="true" selected>Yes</option>' in body
        assert '<option value="telnyx" selected>Telnyx</option>' in body

    def test_search_sort_and_pages(self, admin_client, business):
        numbers = [PhoneNumberFactory(business=business) for _ in range(5)]

        first = admin_client.get(reverse("ops:numbers"), {"pageSize": 2, "orderBy": "number"})
        body = first.content.decode()
        assert numbers[0].number in body and numbers[1].number in body
        assert numbers[2].number not in body
        next_url = body.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        second = admin_client.get(reverse("ops:numbers") + next_url.replace("&amp;", "&"))
        assert numbers[2].number.encode() in second.content
        assert 'aria-sort="ascending"' in body

    @pytest.mark.parametrize("typed", ["roofing", "ACME R"])
    def test_search_finds_the_numbers_of_a_business_by_part_of_its_name(
        self, admin_client, business, other_business, typed
    ):
        mine = PhoneNumberFactory(business=business, name="Front desk")
        theirs = PhoneNumberFactory(business=other_business, name="Front desk")

        response = admin_client.get(reverse("ops:numbers"), {"search": typed})

        assert mine.number.encode() in response.content
        assert theirs.number.encode() not in response.content

    @pytest.mark.parametrize("field", ["name", "number"])
    def test_search_by_name_and_digits_still_combines_with_filters(
        self, admin_client, business, field
    ):
        match = PhoneNumberFactory(business=business, name="Sales line", number="+14155552671")
        other = PhoneNumberFactory(business=business, name="Support", number="+14155550100")
        filtered_out = PhoneNumberFactory(name="Sales line pool", number="+12125552671")
        typed = {"name": "sales", "number": "2671"}[field]

        response = admin_client.get(
            reverse("ops:numbers"), {"search": typed, "businessId": str(business.pk)}
        )

        assert match.number.encode() in response.content
        assert other.number.encode() not in response.content
        assert filtered_out.number.encode() not in response.content

    def test_page_reads_the_numbers_and_their_businesses_only_whatever_the_rows(
        self, admin_client, business
    ):
        PhoneNumberFactory(business=business)
        with CaptureQueriesContext(connection) as few:
            admin_client.get(reverse("ops:numbers"), {"search": "acme"})
        for _ in range(30):
            PhoneNumberFactory(business=business)

        with CaptureQueriesContext(connection) as many:
            response = admin_client.get(reverse("ops:numbers"), {"search": "acme"})

        assert len(many) == len(few)
        assert len(response.context["page"].items) == 31
        ids_sql, page_sql = [
            q["sql"] for q in many.captured_queries if "phonenumbers_app_phonenumber" in q["sql"]
        ]
        assert "tendlc" not in page_sql and "billing" not in page_sql
        assert "businesses_business" not in page_sql.split("WHERE")[1]
        assert "businesses_business" not in ids_sql

    def test_only_columns_an_index_can_page_through_offer_a_sort(self, admin_client, business):
        PhoneNumberFactory(business=business)

        columns = admin_client.get(reverse("ops:numbers")).context["columns"]

        sortable = [column["label"] for column in columns if column["url"]]
        assert sortable == ["Number", "Name", "Score", "Created"]

    @pytest.mark.parametrize("order", ["inventoryState", "-status", "modifiedAt"])
    def test_a_sort_the_page_does_not_offer_is_a_form_error(self, admin_client, order):
        response = admin_client.get(reverse("ops:numbers"), {"orderBy": order})

        assert b"Some filters are not valid" in response.content
        assert b"Sortable fields: number, name, warmupHealthScore, createdAt." in response.content

    def test_bad_filter_shows_an_error_not_a_500(self, admin_client):
        response = admin_client.get(reverse("ops:numbers"), {"orderBy": "colour"})

        assert response.status_code == HTTPStatus.OK
        assert b"Some filters are not valid" in response.content

    @pytest.mark.parametrize(
        "query",
        [
            {"createdAtFrom": "2024-01-01T00:00:00+16:00"},
            {"modifiedAtTo": "2024-01-01T00:00:00-16:00", "status": "Active"},
        ],
    )
    def test_utc_offset_postgresql_refuses_is_a_form_error(self, admin_client, business, query):
        PhoneNumberFactory(business=business)

        response = admin_client.get(reverse("ops:numbers"), query)

        assert response.status_code == HTTPStatus.OK
        assert b"Some filters are not valid" in response.content
        assert b"The UTC offset must be from -15:59 to +15:59." in response.content
        assert response.context["page"] is None

    @pytest.mark.parametrize("size", ["\uff15", "1" + "0" * 5_000])
    def test_bad_page_size_is_a_form_error(self, admin_client, size):
        response = admin_client.get(reverse("ops:numbers"), {"pageSize": size})

        assert response.status_code == HTTPStatus.OK
        assert b"Some filters are not valid" in response.content


class TestNumberPage:
    @pytest.mark.parametrize("token", ["bogus", "x" * 5_000, "e30:1abc:def"])
    def test_bad_events_page_link_shows_the_newest_events(
        self, admin_client, admin_user, warming, token
    ):
        services.phone_number_update(
            phone_number=warming, acting_user=admin_user, fields={"name": "Renamed line"}
        )

        response = admin_client.get(reverse("ops:number", args=[warming.pk]), {"events": token})

        assert response.status_code == HTTPStatus.OK
        events = response.context["events"]
        assert [event.pk for event in events] == [
            PhoneNumberEvent.objects.get(phone_number=warming).pk
        ]

    def test_shows_the_published_document_s_identity_and_10dlc_application(
        self, admin_client, business
    ):
        number = PhoneNumberFactory(
            business=business,
            phone_identity_id="pid-7",
            routing_ten_dlc_application_id="app-9",
        )

        body = admin_client.get(reverse("ops:number", args=[number.pk])).content.decode()

        assert "<dt>Phone identity</dt><dd>pid-7</dd>" in body
        assert "<dt>10DLC application</dt><dd>app-9</dd>" in body

    def test_shows_warmup_progress_and_timeline(self, admin_client, warming):
        response = admin_client.get(reverse("ops:number", args=[warming.pk]))

        assert response.status_code == HTTPStatus.OK
        assert b'<progress id="progress" max="100" value="40">' in response.content
        assert b"Health score <strong>88</strong>" in response.content

    def test_pause_warmup_asks_for_a_reason_and_the_event_tops_the_timeline(
        self, admin_client, admin_user, warming
    ):
        url = reverse("ops:number-action", args=[warming.pk, "pause-warmup"])
        before = db_state()
        assert b'name="reason"' in admin_client.get(url).content
        assert admin_client.post(url, {"reason": ""}).status_code == HTTPStatus.OK
        assert db_state() == before

        response = admin_client.post(url, {"reason": "Carrier complaints"}, follow=True)

        warming.refresh_from_db()
        assert warming.warmup_state == "Paused"
        event = PhoneNumberEvent.objects.get(phone_number=warming)
        assert (event.type, event.actor) == (EventType.WARMUP_PAUSED, admin_user)
        timeline = response.content.decode().split('id="timeline"')[1]
        assert timeline.index("Warmup paused") < 200
        assert b"Warmup paused." in response.content

    def test_timeline_says_whose_history_each_event_is(
        self, admin_client, admin_user, business, other_business
    ):
        number = PhoneNumberFactory(business=business)
        services.phone_number_update(
            phone_number=number, acting_user=admin_user, business=other_business
        )

        response = admin_client.get(reverse("ops:number", args=[number.pk]))

        timeline = response.content.decode().split('id="timeline"')[1]
        assert timeline.index("history of Other Co") < timeline.index("history of Acme Roofing")

    def test_refused_action_shows_why_and_changes_nothing(self, admin_client, business):
        failed = PhoneNumberFactory(business=business, inventory_state="Failed")
        url = reverse("ops:number-action", args=[failed.pk, "move"])
        before = db_state()

        response = admin_client.post(url, {"inventory_state": "Ready for SMS"})

        assert response.status_code == HTTPStatus.OK
        assert b"cannot change from Failed to Ready for SMS" in response.content
        assert db_state() == before

    def test_release_behind_a_confirmation(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        url = reverse("ops:number-action", args=[number.pk, "release"])

        page = admin_client.get(url).content.decode()
        assert "Release" in page
        assert "cannot be undone" in page
        number.refresh_from_db()
        assert number.inventory_state == "Assigned"
        admin_client.post(url)
        number.refresh_from_db()
        assert number.inventory_state == "Released"

    def test_unknown_action_and_number_are_404(self, admin_client, business):
        number = PhoneNumberFactory(business=business)

        assert admin_client.get(f"/ops/numbers/{number.pk}/explode/").status_code == 404
        assert (
            admin_client.get("/ops/numbers/3fa85f64-5717-4562-b3fc-2c963f66afa6/").status_code
            == 404
        )


def test_business_page_counts_states_and_shows_the_default(admin_client, business):
    default = PhoneNumberFactory(business=business, is_default=True)
    PhoneNumberFactory(business=business, inventory_state="Suspended")

    content = admin_client.get(reverse("ops:business", args=[business.pk])).content.decode()

    assert default.number in content
    assert f"businessId={business.pk}&amp;inventoryState=Suspended" in content


def test_submitting_the_untouched_filter_form_filters_nothing(admin_client, business):
    numbers = [PhoneNumberFactory(business=business), PhoneNumberFactory()]
    body = admin_client.get(reverse("ops:numbers")).content.decode()
    form = body.split('id="filters"')[1].split("</form>")[0]
    # Every field of the form as a browser sends it untouched: text and selects empty.
    untouched = dict.fromkeys(re.findall(r'<(?:input|select)[^>]* name="(\w+)"', form), "")
    untouched["pageSize"] = "50"

    response = admin_client.get(reverse("ops:numbers"), untouched)

    for number in numbers:
        assert number.number.encode() in response.content


class TestActionsFromTheSharedTable:
    """/ops/ builds its actions from operator_actions.OPERATOR_ACTIONS, as the admin does."""

    def test_a_number_offers_exactly_the_actions_that_apply_to_it(self, admin_client, warming):
        page = admin_client.get(reverse("ops:number", args=[warming.pk])).content.decode()

        offered = {a.slug for a in OPERATOR_ACTIONS if f"/{a.slug}/" in page}
        assert offered == {"disable", "pause-warmup", "move", "release"}

    def test_a_released_number_offers_none(self, admin_client, business):
        gone = PhoneNumberFactory(business=business, inventory_state="Released")

        page = admin_client.get(reverse("ops:number", args=[gone.pk])).content.decode()

        assert not [a for a in OPERATOR_ACTIONS if f"/{a.slug}/" in page]

    @pytest.mark.parametrize("action", OPERATOR_ACTIONS, ids=lambda a: a.slug)
    def test_each_confirmation_page_shows_the_tables_label_and_text(
        self, admin_client, warming, action
    ):
        url = reverse("ops:number-action", args=[warming.pk, action.slug])

        page = admin_client.get(url).content.decode()

        assert f"<h1>{action.label}: {warming.number}</h1>" in page
        assert escape(action.confirmation) in page

    def test_staff_without_the_change_permission_see_no_actions_and_cannot_act(
        self, client, warming
    ):
        client.force_login(UserFactory(username="viewer", is_staff=True))
        before = db_state()

        page = client.get(reverse("ops:number", args=[warming.pk])).content.decode()
        refused = client.post(reverse("ops:number-action", args=[warming.pk, "disable"]))

        assert not [a for a in OPERATOR_ACTIONS if f"/{a.slug}/" in page]
        assert refused.status_code == HTTPStatus.FORBIDDEN
        assert db_state() == before

    def test_staff_with_the_change_permission_may_act(self, client, warming):
        user = UserFactory(username="operator", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="change_phonenumber"))
        client.force_login(user)

        client.post(reverse("ops:number-action", args=[warming.pk, "disable"]))

        warming.refresh_from_db()
        assert warming.enabled is False
