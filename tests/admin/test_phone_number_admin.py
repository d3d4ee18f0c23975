"""The phone-number admin: fast lists, service-backed edits and actions, all audited."""

import csv
import datetime
import io
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from core.csv_cells import restore_csv_cell
from phonenumbers_app.admin import PhoneNumberAdmin
from phonenumbers_app.demo_data import CYCLE, load_demo
from phonenumbers_app.imports.columns import COLUMNS
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.operator_actions import OPERATOR_ACTIONS
from phonenumbers_app.vocabularies import EventType, WarmupHealthState
from tests.conftest import db_state
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:phonenumbers_app_phonenumber_changelist")


def change_url(number) -> str:
    return reverse("admin:phonenumbers_app_phonenumber_change", args=[number.pk])


def action(admin_client, name: str, numbers, **extra):
    return admin_client.post(
        CHANGELIST,
        {"action": name, ACTION_CHECKBOX_NAME: [str(n.pk) for n in numbers], **extra},
        follow=True,
    )


def change_form_data(number, **changes) -> dict:
    data = {
        "business": str(number.business_id or ""),
        "name": number.name,
        "inventory_state": number.inventory_state,
        "status": number.status,
        "enabled": "on" if number.enabled else "",
        "warmup_health_score": number.warmup_health_score,
        "warmup_progress_percent": number.warmup_progress_percent,
        "warmup_state": number.warmup_state or "",
        "health_status": number.health_status or "",
        "team_id": "",
        "campaign_id": "",
        "source_id": "",
        "routing_messaging_profile_id": "",
        "routing_voice_connection_id": "",
        "health_reason": "",
        "capability_sms": "on",
        "capability_voice": "on",
        "capability_warmup": "on",
        "ten_dlc-TOTAL_FORMS": "0",
        "ten_dlc-INITIAL_FORMS": "0",
        "billing-TOTAL_FORMS": "0",
        "billing-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""} | {
        key: "" for key, value in data.items() if value == "" and key in ("business",)
    }


class TestChangelist:
    def test_shows_state_badges(self, admin_client, business):
        PhoneNumberFactory(business=business, warmup_state=WarmupHealthState.NEEDS_ATTENTION)

        response = admin_client.get(CHANGELIST)

        assert response.status_code == HTTPStatus.OK
        assert b'class="badge badge-inventory badge-assigned"' in response.content
        assert b"badge-needs-attention" in response.content

    def test_query_count_does_not_grow_with_the_rows_and_nothing_scans_for_distinct(
        self, admin_client, business
    ):
        for _ in range(5):
            PhoneNumberFactory(business=business)
        with CaptureQueriesContext(connection) as few:
            admin_client.get(CHANGELIST)
        for _ in range(60):
            PhoneNumberFactory(business=BusinessFactory())
        with CaptureQueriesContext(connection) as many:
            admin_client.get(CHANGELIST)

        assert len(few) == len(many)
        phone_table = 'FROM "phonenumbers_app_phonenumber"'
        sql = [q["sql"] for q in many.captured_queries if phone_table in q["sql"]]
        assert not [s for s in sql if "DISTINCT" in s.upper() or "MIN(" in s.upper()]
        # The count stops at a cap instead of counting every row.
        assert any("LIMIT" in s.upper() and "COUNT(" in s.upper() for s in sql)

    def test_pager_counts_only_ten_pages_ahead_and_says_there_are_more(
        self, admin_client, business, monkeypatch
    ):
        monkeypatch.setattr(PhoneNumberAdmin, "list_per_page", 2)
        for _ in range(25):
            PhoneNumberFactory(business=business)

        first = admin_client.get(CHANGELIST)
        deeper = admin_client.get(CHANGELIST, {"p": 5})
        last = admin_client.get(CHANGELIST, {"p": 13})

        assert first.context["cl"].result_count == 22  # (1 + 10 pages) * 2 rows
        assert b"22+ phone numbers" in first.content
        assert deeper.context["cl"].result_count == 25
        assert b"25 phone numbers" in deeper.content
        assert len(last.context["cl"].result_list) == 1

    @pytest.mark.parametrize("order", ["", "2", "-8"])
    def test_deeper_pages_show_the_rows_offset_paging_would_in_order(
        self, admin_client, business, monkeypatch, order
    ):
        monkeypatch.setattr(PhoneNumberAdmin, "list_per_page", 3)
        for index in range(10):
            PhoneNumberFactory(business=business if index % 2 else None, name=f"Line {index}")
        query = {"o": order} if order else {}
        changelist = admin_client.get(CHANGELIST, query).context["cl"]
        everything = list(changelist.queryset.values_list("pk", flat=True))

        pages = [
            [
                row.pk
                for row in admin_client.get(CHANGELIST, {**query, "p": p}).context["cl"].result_list
            ]
            for p in (1, 2, 3, 4)
        ]

        assert pages == [everything[0:3], everything[3:6], everything[6:9], everything[9:10]]

    @pytest.mark.parametrize(
        "query",
        [
            {"provider": "telnyx"},
            {"campaign_status": "Approved"},
            {"inventory_state__exact": "Assigned"},
            {"enabled__exact": "1"},
        ],
    )
    def test_filters_narrow_the_list(self, admin_client, business, query):
        match = PhoneNumberFactory(business=business, provider="telnyx")
        match.ten_dlc.campaign_status = "Approved"
        match.ten_dlc.save()
        other = PhoneNumberFactory(provider="twilio", enabled=False)

        response = admin_client.get(CHANGELIST, query)

        assert match.number.encode() in response.content
        assert other.number.encode() not in response.content

    def test_business_filter(self, admin_client, business, other_business):
        mine = PhoneNumberFactory(business=business)
        theirs = PhoneNumberFactory(business=other_business)

        by_id = admin_client.get(CHANGELIST, {"business": str(business.pk)})
        by_name = admin_client.get(CHANGELIST, {"business": "acme roofing"})

        for response in (by_id, by_name):
            assert mine.number.encode() in response.content
            assert theirs.number.encode() not in response.content

    def test_business_filter_says_when_it_names_no_single_business(
        self, admin_client, business, other_business
    ):
        PhoneNumberFactory(business=business)
        BusinessFactory(name="Other Co")

        unknown = admin_client.get(CHANGELIST, {"business": "Nobody"})
        ambiguous = admin_client.get(CHANGELIST, {"business": "other co"})

        assert b"No business is named &#x27;Nobody&#x27;" in unknown.content
        assert b"Several businesses (2)" in ambiguous.content
        for response in (unknown, ambiguous):
            assert response.context["cl"].result_count == 0

    @pytest.mark.parametrize("typed", ["(415) 555-2671", "415.555.2671", "+14155552671", "5552671"])
    def test_search_by_number_in_any_format(self, admin_client, typed):
        match = PhoneNumberFactory(number="+14155552671")
        other = PhoneNumberFactory(number="+14155550100")

        response = admin_client.get(CHANGELIST, {"q": typed})

        assert match.number.encode() in response.content
        assert other.number.encode() not in response.content

    @pytest.mark.parametrize("typed", ["acme", "ROOFING", "Acme Roofing"])
    def test_search_by_part_of_a_business_name(self, admin_client, business, other_business, typed):
        mine = PhoneNumberFactory(business=business)
        theirs = PhoneNumberFactory(business=other_business)

        content = admin_client.get(CHANGELIST, {"q": typed}).content

        assert mine.number.encode() in content
        assert theirs.number.encode() not in content

    def test_search_by_name_or_digits_also_finds_numbers_of_a_matching_business(
        self, admin_client, business
    ):
        by_name = PhoneNumberFactory(name="Front desk 415")
        by_digits = PhoneNumberFactory(number="+14155552671")
        by_business = PhoneNumberFactory(business=BusinessFactory(name="415 Plumbing"))
        neither = PhoneNumberFactory(name="Support", number="+12125550100")

        content = admin_client.get(CHANGELIST, {"q": "415"}).content

        for match in (by_name, by_digits, by_business):
            assert match.number.encode() in content
        assert neither.number.encode() not in content

    def test_provider_ids_are_not_searched(self, admin_client, business):
        # No index serves them: searching them read every row (see search_help_text).
        number = PhoneNumberFactory(business=business, provider_phone_number_id="pn_42")

        assert number.number.encode() not in admin_client.get(CHANGELIST, {"q": "pn_42"}).content

    def test_search_looks_businesses_up_once_and_never_joins_them_to_filter(
        self, admin_client, business
    ):
        PhoneNumberFactory(business=business)
        with CaptureQueriesContext(connection) as plain:
            admin_client.get(CHANGELIST)
        with CaptureQueriesContext(connection) as searched:
            response = admin_client.get(CHANGELIST, {"q": "acme"})

        assert len(searched) == len(plain) + 1
        assert response.context["cl"].result_count == 1
        phone_sql = [
            q["sql"]
            for q in searched.captured_queries
            if "phonenumbers_app_phonenumber" in q["sql"]
        ]
        assert all("businesses_business" not in sql.split("WHERE")[-1] for sql in phone_sql)


class TestChangelistDates:
    @pytest.fixture
    def old_and_new(self, business):
        old, new = PhoneNumberFactory(business=business), PhoneNumberFactory(business=business)
        PhoneNumber.objects.filter(pk=old.pk).update(
            created_at=datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC)
        )
        return old, new

    def test_today_link_narrows_to_todays_numbers(self, admin_client, old_and_new):
        old, new = old_and_new
        page = admin_client.get(CHANGELIST).content.decode()
        link = re.search(r'href="(\?created_at__gte=[^"]+)">Today<', page).group(1)

        content = admin_client.get(CHANGELIST + link.replace("&amp;", "&")).content

        assert new.number.encode() in content
        assert old.number.encode() not in content

    def test_dates_typed_narrow_the_list_from_midnight_to_midnight(self, admin_client, old_and_new):
        old, new = old_and_new

        response = admin_client.get(
            CHANGELIST, {"created_at__gte": "2024-03-05", "created_at__lt": "2024-03-06"}
        )

        assert old.number.encode() in response.content
        assert new.number.encode() not in response.content
        assert b'name="created_at__gte" value="2024-03-05"' in response.content

    def test_a_box_left_empty_is_no_bound(self, admin_client, old_and_new):
        old, new = old_and_new

        response = admin_client.get(
            CHANGELIST, {"created_at__gte": "2024-03-01", "created_at__lt": ""}
        )

        assert response.status_code == HTTPStatus.OK
        assert old.number.encode() in response.content
        assert new.number.encode() in response.content

    @pytest.mark.parametrize(
        ("calendar", "start", "end"),
        [
            ({"created_at__year": "2024"}, "2024-01-01", "2025-01-01"),
            ({"created_at__year": "2024", "created_at__month": "12"}, "2024-12-01", "2025-01-01"),
            (
                {"created_at__year": "2024", "created_at__month": "3", "created_at__day": "5"},
                "2024-03-05",
                "2024-03-06",
            ),
        ],
    )
    def test_an_old_date_hierarchy_link_redirects_to_the_same_dates_as_a_range(
        self, admin_client, calendar, start, end
    ):
        response = admin_client.get(CHANGELIST, {"status__exact": "Active", **calendar})

        assert response.status_code == HTTPStatus.FOUND
        target = parse_qs(urlsplit(response["Location"]).query)
        assert target == {
            "status__exact": ["Active"],
            "created_at__gte": [start],
            "created_at__lt": [end],
        }

    def test_the_redirected_day_lists_that_days_numbers(self, admin_client, old_and_new):
        old, new = old_and_new
        calendar = {"created_at__year": "2024", "created_at__month": "3", "created_at__day": "5"}

        response = admin_client.get(CHANGELIST, calendar, follow=True)

        assert old.number.encode() in response.content
        assert new.number.encode() not in response.content

    def test_the_events_admin_redirects_its_old_date_links_too(self, admin_client):
        events = reverse("admin:phonenumbers_app_phonenumberevent_changelist")

        response = admin_client.get(events, {"created_at__year": "2026", "created_at__month": "2"})

        assert response.status_code == HTTPStatus.FOUND
        assert parse_qs(urlsplit(response["Location"]).query) == {
            "created_at__gte": ["2026-02-01"],
            "created_at__lt": ["2026-03-01"],
        }

    @pytest.mark.parametrize("calendar", [{"created_at__year": "x"}, {"created_at__month": "3"}])
    def test_calendar_values_that_are_no_date_are_left_to_the_admin(self, admin_client, calendar):
        response = admin_client.get(CHANGELIST, calendar)

        assert "created_at__gte" not in response.get("Location", "")

    @pytest.mark.parametrize("form_class", ["input-filter date-range-filter", "input-filter"])
    def test_the_typed_filters_keep_the_other_filters(self, admin_client, old_and_new, form_class):
        content = admin_client.get(CHANGELIST, {"inventory_state__exact": "Assigned"}).content

        form = content.decode().split(f'class="{form_class}"')[1].split("</form>")[0]
        assert '<input type="hidden" name="inventory_state__exact" value="Assigned">' in form


class TestChangelistSorting:
    def test_only_indexed_columns_offer_a_sort(self, admin_client, business):
        PhoneNumberFactory(business=business)

        head = admin_client.get(CHANGELIST).content.decode().split("<thead>")[1]
        sortable = {
            int(index) for index in re.findall(r'href="\?o=(\d+)', head.split("</thead>")[0])
        }

        # number, name, score and modified: list_display positions after the checkbox.
        assert sortable == {1, 2, 7, 9}

    @pytest.mark.parametrize(
        ("o", "expected"),
        [
            ("2", ["name", "pk"]),
            ("-2", ["-name", "-pk"]),
            ("-9", ["-modified_at", "-pk"]),
            ("2.1", ["name", "pk"]),
            ("4", ["-created_at", "-id"]),  # a state column: not sortable, default order
        ],
    )
    def test_a_sort_orders_by_its_column_then_the_id_in_the_same_direction(
        self, admin_client, business, o, expected
    ):
        PhoneNumberFactory(business=business)

        response = admin_client.get(CHANGELIST, {"o": o})

        assert response.status_code == HTTPStatus.OK
        assert response.context["cl"].queryset.query.order_by == tuple(expected)

    def test_sorting_by_name_lists_names_in_order_both_ways(self, admin_client, business):
        for name in ["Charlie", "Alpha", "Bravo"]:
            PhoneNumberFactory(business=business, name=name)

        def listed(o: str) -> list[str]:
            cl = admin_client.get(CHANGELIST, {"o": o}).context["cl"]
            return [number.name for number in cl.result_list]

        assert listed("2") == ["Alpha", "Bravo", "Charlie"]
        assert listed("-2") == ["Charlie", "Bravo", "Alpha"]


class TestChangePage:
    def test_change_page_groups_fields_as_the_seed(self, admin_client, business):
        number = PhoneNumberFactory(business=business)

        response = admin_client.get(change_url(number))

        for group in [b"Identity", b"Provider", b"Capabilities &amp; routing", b"Location"]:
            assert group in response.content
        assert b"Warmup &amp; health" in response.content
        assert b"10DLC" in response.content
        assert b"All events of this number" in response.content

    def test_saving_goes_through_the_service_and_writes_an_event(
        self, admin_client, admin_user, business
    ):
        number = PhoneNumberFactory(business=business, name="Old")

        response = admin_client.post(
            change_url(number), change_form_data(number, name="New", status="Provisioning")
        )

        assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
        number.refresh_from_db()
        assert (number.name, number.status) == ("New", "Provisioning")
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert event.actor == admin_user
        assert event.data["before"] == {"name": "Old", "status": "Unregistered"}

    def test_moving_a_number_to_another_business_clears_what_the_previous_owner_set_up(
        self, admin_client, business, other_business
    ):
        number = PhoneNumberFactory(business=business)
        TenDlc.objects.filter(phone_number=number).update(brand_id="brand-b")
        Billing.objects.filter(phone_number=number).update(monthly_amount="1.15")

        response = admin_client.post(
            change_url(number), change_form_data(number, business=str(other_business.pk))
        )

        assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
        number.refresh_from_db()
        assert number.business == other_business
        assert number.ten_dlc.brand_id is None and number.billing.monthly_amount is None
        types = PhoneNumberEvent.objects.filter(phone_number=number).values_list("type", "business")
        assert set(types) == {
            (EventType.UNASSIGNED, business.pk),
            (EventType.ASSIGNED, other_business.pk),
        }

    def test_staff_fields_are_writable_in_the_admin(self, admin_client, business):
        # The admin is a staff door: the field-ownership table lets it write staff fields.
        number = PhoneNumberFactory(business=business)

        response = admin_client.post(
            change_url(number),
            change_form_data(
                number,
                inventory_state="Ready for SMS",
                warmup_health_score=100,
                health_reason="Checked by ops",
                capability_testing="on",
            ),
        )

        assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
        number.refresh_from_db()
        assert number.inventory_state == "Ready for SMS"
        assert number.warmup_health_score == 100
        assert (number.health_reason, number.capability_testing) == ("Checked by ops", True)

    def test_invalid_transition_is_a_form_error_and_changes_nothing(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        before = db_state()

        response = admin_client.post(change_url(number), change_form_data(number, status="Expired"))

        assert response.status_code == HTTPStatus.OK
        assert b"cannot change from Unregistered to Expired" in response.content
        assert db_state() == before

    def test_adding_a_number_uses_the_create_service(self, admin_client, admin_user, business):
        add = reverse("admin:phonenumbers_app_phonenumber_add")

        response = admin_client.post(
            add, {"number": "(415) 555-2671", "name": "Desk", "business": str(business.pk)}
        )

        assert response.status_code == HTTPStatus.FOUND
        number = PhoneNumber.objects.get(number="+14155552671")
        assert number.inventory_state == "Assigned"
        assert number.pk.version == 7  # time-ordered, like imported numbers
        assert PhoneNumberEvent.objects.get(phone_number=number).type == EventType.CREATED

    def test_adding_an_existing_number_is_a_form_error(self, admin_client, business):
        PhoneNumberFactory(number="+14155552671", business=business)
        before = db_state()

        response = admin_client.post(
            reverse("admin:phonenumbers_app_phonenumber_add"),
            {"number": "+1 415 555 2671", "name": "Again", "business": str(business.pk)},
        )

        assert response.status_code == HTTPStatus.OK
        assert b"already exists" in response.content
        assert db_state() == before


class TestActions:
    def test_disable_and_enable_write_events(self, admin_client, admin_user, business):
        numbers = [PhoneNumberFactory(business=business) for _ in range(2)]

        action(admin_client, "disable", numbers)
        action(admin_client, "enable", numbers[:1])

        assert [n.enabled for n in PhoneNumber.objects.order_by("number")] == [True, False]
        assert PhoneNumberEvent.objects.filter(actor=admin_user).count() == 3

    def test_pause_warmup_asks_for_a_reason_then_pauses(self, admin_client, admin_user, business):
        number = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=WarmupHealthState.WARMING
        )

        ask = action(admin_client, "pause_warmup", [number])
        assert b"Pause warmup" in ask.content and b'name="reason"' in ask.content
        number.refresh_from_db()
        assert number.warmup_state == "Warming"

        action(admin_client, "pause_warmup", [number], apply="1", reason="Carrier complaints")

        number.refresh_from_db()
        assert number.warmup_state == "Paused"
        assert number.warmup_pause_reason == "Carrier complaints"
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert (event.type, event.actor) == (EventType.WARMUP_PAUSED, admin_user)

    def test_resume_warmup(self, admin_client, business):
        number = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=WarmupHealthState.PAUSED
        )

        action(admin_client, "resume_warmup", [number])

        number.refresh_from_db()
        assert number.warmup_state == "Warming"

    def test_release_reports_each_number(self, admin_client, business):
        number = PhoneNumberFactory(business=business)

        response = action(admin_client, "release", [number], apply="1")

        number.refresh_from_db()
        assert number.inventory_state == "Released"
        assert b"Released: 1 number(s)." in response.content

    def test_release_first_shows_what_will_be_released_and_changes_nothing(
        self, admin_client, business
    ):
        numbers = [PhoneNumberFactory(business=business, name=f"Line {i}") for i in range(2)]
        gone = PhoneNumberFactory(business=business, inventory_state="Released")
        before = db_state()

        response = action(admin_client, "release", [*numbers, gone])

        assert db_state() == before
        text = response.content.decode()
        assert "cannot be undone" in text
        for number in numbers:
            assert number.number in text
        assert f"{gone.number} — {gone.name} (Released" in text
        assert "1 is already released and will be skipped" in text
        assert 'name="apply"' in text
        assert 'value="release"' in text

    def test_release_counts_only_the_numbers_it_changed(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        gone = PhoneNumberFactory(business=business, inventory_state="Released")
        events_before = PhoneNumberEvent.objects.filter(phone_number=gone).count()

        response = action(admin_client, "release", [number, gone], apply="1")

        number.refresh_from_db()
        assert number.inventory_state == "Released"
        text = response.content.decode()
        assert "Released: 1 number(s)." in text
        assert "Skipped 1 number(s) already released." in text
        assert PhoneNumberEvent.objects.filter(phone_number=gone).count() == events_before

    def test_releasing_only_released_numbers_releases_nothing(self, admin_client, business):
        gone = PhoneNumberFactory(business=business, inventory_state="Released")

        response = action(admin_client, "release", [gone], apply="1")

        text = response.content.decode()
        assert "Released:" not in text
        assert "Skipped 1 number(s) already released." in text

    def test_move_to_state_checks_the_transition_table_per_number(self, admin_client, business):
        assigned = PhoneNumberFactory(business=business)
        failed = PhoneNumberFactory(business=business, inventory_state="Failed")

        response = action(
            admin_client,
            "move_to_state",
            [assigned, failed],
            apply="1",
            inventory_state="Ready for SMS",
        )

        assigned.refresh_from_db()
        failed.refresh_from_db()
        assert assigned.inventory_state == "Ready for SMS"
        assert failed.inventory_state == "Failed"
        # Skipped by the action's rule (operator_actions: why_not), the one every door uses.
        assert "Skipped 1 number(s) (Failed → Ready for SMS is not allowed)." in (
            response.content.decode()
        )

    def test_export_csv_streams_the_selection(self, admin_client, business):
        numbers = [PhoneNumberFactory(business=business) for _ in range(3)]

        response = admin_client.post(
            CHANGELIST,
            {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(n.pk) for n in numbers[:2]]},
        )

        lines = b"".join(response.streaming_content).decode().splitlines()
        assert lines[0].split(",") == list(COLUMNS)  # the import's columns
        assert len(lines) == 3
        assert numbers[2].number not in "".join(lines)

    def test_export_csv_quotes_cells_a_spreadsheet_would_run(self, admin_client, business):
        names = ['=HYPERLINK("http://x","y")', "+1 sales", "-dash", "@at", "\tTab", "Plain"]
        numbers = [
            PhoneNumberFactory(business=business, name=name, provider="telnyx") for name in names
        ]

        response = admin_client.post(
            CHANGELIST,
            {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(n.pk) for n in numbers]},
        )

        content = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(content, newline="")))
        assert sorted(row["name"] for row in rows) == sorted(
            ["'" + name for name in names[:-1]] + ["Plain"]
        )
        assert {row["number"] for row in rows} == {"'" + n.number for n in numbers}
        assert {restore_csv_cell(row["name"]) for row in rows} == set(names)
        assert {row["provider"] for row in rows} == {"telnyx"}
        assert all(row["businessId"] == str(business.pk) for row in rows)

    def test_numbers_cannot_be_deleted_in_the_admin(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        delete = reverse("admin:phonenumbers_app_phonenumber_delete", args=[number.pk])

        assert admin_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
        assert PhoneNumber.objects.filter(pk=number.pk).exists()


class TestActionsFromTheSharedTable:
    """The admin's bulk actions are built from operator_actions.OPERATOR_ACTIONS, as /ops/'s
    pages are: one label, confirmation, service and permission per action."""

    def test_the_action_menu_lists_every_operator_action(self, admin_client, business):
        PhoneNumberFactory(business=business)

        choices = dict(admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices)

        for operator_action in OPERATOR_ACTIONS:
            assert choices[operator_action.name] == operator_action.bulk_label
        assert "export_csv" in choices

    @pytest.mark.parametrize(
        "operator_action", [a for a in OPERATOR_ACTIONS if a.asks_first], ids=lambda a: a.name
    )
    def test_a_confirmation_page_says_what_the_table_says(
        self, admin_client, business, operator_action
    ):
        number = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=WarmupHealthState.WARMING
        )
        before = db_state()

        page = action(admin_client, operator_action.name, [number]).content.decode()

        assert escape(operator_action.confirmation) in page
        assert db_state() == before

    def test_staff_without_the_change_permission_get_no_operator_actions(self, client, business):
        viewer = UserFactory(username="viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_phonenumber"))
        client.force_login(viewer)
        PhoneNumberFactory(business=business)

        choices = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)

        assert not {a.name for a in OPERATOR_ACTIONS} & set(choices)
        assert "export_csv" in choices


class TestCsvExportImportsBack:
    """The admin's CSV export writes the import's columns (phonenumbers_app.exports, as
    export_phone_numbers does), so import_phone_numbers takes its file back: it used to
    write a `createdAt` column the import refuses."""

    @pytest.fixture
    def inventory(self, admin_user):
        load_demo(acting_user=admin_user, numbers=CYCLE)  # every kind of number
        PhoneNumberFactory(name='=HYPERLINK("http://x","y")', provider="telnyx")
        # Released numbers are history: the import refuses them, so they are not selected.
        return PhoneNumber.objects.not_released()

    def export(self, admin_client, numbers, path) -> list[dict]:
        response = admin_client.post(
            CHANGELIST,
            {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(n.pk) for n in numbers]},
        )
        path.write_bytes(b"".join(response.streaming_content))
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def import_(self, path, *args: str) -> str:
        out = io.StringIO()
        call_command(
            "import_phone_numbers", str(path), "--no-progress", *args, stdout=out, stderr=out
        )
        return out.getvalue()

    def test_a_dry_run_import_of_the_export_finds_nothing_to_change(
        self, admin_client, inventory, tmp_path
    ):
        path = tmp_path / "phone-numbers.csv"
        rows = self.export(admin_client, inventory, path)
        assert len(rows) == inventory.count() > 20
        before = db_state()

        out = self.import_(path, "--dry-run", "--on-conflict", "update")

        assert "update 0" in out and "0 invalid" in out
        assert db_state() == before

    def test_the_export_imports_back_into_an_empty_inventory_unchanged(
        self, admin_client, inventory, tmp_path
    ):
        first = self.export(admin_client, inventory, tmp_path / "first.csv")
        with connection.cursor() as cursor:  # events are append-only for the ORM
            for model in (PhoneNumberEvent, TenDlc, Billing, PhoneNumber):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")

        out = self.import_(tmp_path / "first.csv")

        assert f"Created {len(first)}," in out and "invalid 0" in out
        again = self.export(admin_client, PhoneNumber.objects.all(), tmp_path / "again.csv")
        by_number = lambda rows: {row["number"]: row for row in rows}  # noqa: E731
        assert by_number(again) == by_number(first)
