"""/ops/'s bulk actions (pages/bulk.py): a confirmation page that says what will change and
what will be skipped and why, then the single-number services once per number."""

from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phonenumbers_app import selectors, services
from phonenumbers_app.models import BulkActionRun, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.pages import bulk as bulk_page
from phonenumbers_app.services import bulk
from phonenumbers_app.vocabularies import EventType, InventoryState, WarmupHealthState
from tests.conftest import db_state
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db

BULK = reverse("ops:bulk")
MISSING_ID = "00000000-0000-4000-8000-000000000001"


def warming(business, **fields):
    return PhoneNumberFactory(
        business=business,
        warmup_enabled=True,
        warmup_state=WarmupHealthState.WARMING,
        **fields,
    )


def matching(business, action: str, **fields) -> dict:
    return {"action": action, "scope": "matching", "query": f"businessId={business.pk}", **fields}


def selected(numbers, action: str, **fields) -> dict:
    ids = [str(getattr(n, "pk", n)) for n in numbers]
    return {"action": action, "scope": "selected", "ids": ids, **fields}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def events(type: str) -> list[PhoneNumberEvent]:
    return list(PhoneNumberEvent.objects.filter(type=type))


class TestPauseAllMatching:
    """The issue's case: pause warmup on every number a filter matches."""

    @pytest.fixture
    def numbers(self, business, other_business):
        return {
            "warming": [warming(business) for _ in range(3)],
            "paused": services.phone_number_warmup_pause(
                phone_number=warming(business), acting_user=UserFactory(), reason="before"
            ),
            "off": PhoneNumberFactory(business=business, warmup_enabled=False),
            "elsewhere": warming(other_business),
        }

    def test_the_confirmation_page_counts_and_groups_what_is_skipped(
        self, admin_client, business, numbers
    ):
        before = db_state()

        response = admin_client.post(BULK, matching(business, "pause-warmup"))

        assert response.status_code == HTTPStatus.OK
        page = response.content.decode()
        assert "<h1>Pause warmup: 5 numbers</h1>" in page
        assert "<strong>3</strong> will change, <strong>2</strong> will be skipped" in page
        assert "Skipped: already paused" in page
        assert "Skipped: warmup is not enabled" in page
        for number in numbers["warming"]:
            assert reverse("ops:number", args=[number.pk]) in page
        assert numbers["elsewhere"].number not in page
        assert 'name="reason"' in page
        assert ">Pause warmup on 3 numbers</button>" in page
        assert f'href="/ops/numbers/?businessId={business.pk}">Back to the list' in page
        assert db_state() == before  # looking changes nothing

    def test_confirming_pauses_exactly_the_matching_unpaused_numbers(
        self, admin_client, admin_user, business, numbers
    ):
        paused_before = len(events(EventType.WARMUP_PAUSED))

        response = admin_client.post(
            BULK, matching(business, "pause-warmup", reason="Carrier complaint", confirmed="1")
        )

        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == f"/ops/numbers/?businessId={business.pk}"
        assert texts(response) == [
            "Paused warmup on 3 numbers; 2 skipped (1 already paused, 1 warmup is not enabled)."
        ]
        new_events = events(EventType.WARMUP_PAUSED)[paused_before:]
        paused = PhoneNumber.objects.filter(warmup_state=WarmupHealthState.PAUSED)
        assert {n.pk for n in paused} == {n.pk for n in [*numbers["warming"], numbers["paused"]]}
        changed = PhoneNumberEvent.objects.filter(
            type=EventType.WARMUP_PAUSED, actor=admin_user, details="Carrier complaint"
        )
        assert sorted(e.phone_number_id for e in changed) == sorted(
            n.pk for n in numbers["warming"]
        )
        assert len(new_events) == 3  # one each, none for the skipped
        numbers["elsewhere"].refresh_from_db()
        assert numbers["elsewhere"].warmup_state == WarmupHealthState.WARMING
        run = BulkActionRun.objects.get()
        assert (run.action, run.user, run.total, run.done, run.skipped, run.failed) == (
            "pause-warmup",
            admin_user,
            5,
            3,
            2,
            0,
        )
        assert run.status == BulkActionRun.Status.FINISHED
        assert run.data == {"reason": "Carrier complaint"}

    def test_a_missing_reason_changes_nothing(self, admin_client, business, numbers):
        before = db_state()

        response = admin_client.post(BULK, matching(business, "pause-warmup", confirmed="1"))

        assert response.status_code == HTTPStatus.OK
        assert "Required: why warmup is paused" in response.content.decode() or (
            "This field is required." in response.content.decode()
        )
        assert db_state() == before
        assert not BulkActionRun.objects.exists()

    def test_all_matching_is_exactly_what_the_list_shows(
        self, admin_client, admin_user, business, numbers
    ):
        warming(business, inventory_state=InventoryState.RELEASED)
        query = f"businessId={business.pk}"
        listed = selectors.ops_number_list(user=admin_user, params=QueryDict(query))

        page = admin_client.post(BULK, matching(business, "pause-warmup")).content.decode()

        # Released numbers are hidden by the list by default; "all matching" follows it.
        assert f"<h1>Pause warmup: {listed.count()} numbers</h1>" in page


class TestSelected:
    def test_missing_ids_and_released_numbers_are_skipped_with_their_reasons(
        self, admin_client, business
    ):
        disabled = PhoneNumberFactory(business=business, enabled=False)
        gone = PhoneNumberFactory(
            business=business, inventory_state=InventoryState.RELEASED, enabled=False
        )

        page = admin_client.post(
            BULK, selected([disabled, gone, MISSING_ID], "enable")
        ).content.decode()
        response = admin_client.post(
            BULK, selected([disabled, gone, MISSING_ID], "enable", confirmed="1")
        )

        assert "Skipped: released numbers cannot be enabled" in page
        assert f"Skipped: {bulk.NOT_FOUND}" in page
        assert "<strong>1</strong> will change, <strong>2</strong> will be skipped" in page
        assert texts(response) == [
            f"Enabled 1 number; 2 skipped (1 released numbers cannot be enabled, "
            f"1 {bulk.NOT_FOUND})."
        ]
        disabled.refresh_from_db()
        gone.refresh_from_db()
        assert disabled.enabled is True
        assert gone.enabled is False and gone.inventory_state == InventoryState.RELEASED

    def test_ids_that_are_not_ids_are_refused(self, admin_client, business):
        number = PhoneNumberFactory(business=business, enabled=False)
        before = db_state()

        response = admin_client.post(BULK, selected([number, "1; DROP"], "enable", confirmed="1"))

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert db_state() == before

    def test_no_ids_sends_back_to_the_list_saying_so(self, admin_client):
        response = admin_client.post(BULK, {"action": "enable", "scope": "selected"})

        assert response.status_code == HTTPStatus.FOUND
        assert texts(response) == ["Select at least one number, or all matching numbers."]

    def test_a_tampered_action_changes_nothing(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        before = db_state()

        for action in ["delete", "", "pause_warmup"]:
            response = admin_client.post(BULK, selected([number], action, confirmed="1"))
            assert response.status_code == HTTPStatus.BAD_REQUEST

        assert db_state() == before

    def test_an_unknown_scope_changes_nothing(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        before = db_state()

        response = admin_client.post(
            BULK, {**selected([number], "disable", confirmed="1"), "scope": "everything"}
        )

        assert response.status_code == HTTPStatus.FOUND
        assert db_state() == before


class TestPermissions:
    @pytest.fixture
    def viewer(self, client):
        user = UserFactory(username="viewer", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_phonenumber"))
        client.force_login(user)
        return client

    @pytest.mark.parametrize("action", ["disable", "release", "pause-warmup", "move"])
    def test_staff_without_the_change_permission_are_refused(self, viewer, business, action):
        number = warming(business)
        before = db_state()

        for confirmed in [{}, {"confirmed": "1"}]:
            response = viewer.post(
                BULK,
                selected([number], action, reason="x", inventory_state="Available", **confirmed),
            )
            assert response.status_code == HTTPStatus.FORBIDDEN

        assert db_state() == before
        assert not BulkActionRun.objects.exists()

    def test_non_staff_are_sent_to_log_in(self, client, business):
        client.force_login(UserFactory())
        number = PhoneNumberFactory(business=business)
        before = db_state()

        response = client.post(BULK, selected([number], "release", confirmed="1"))

        assert response.status_code == HTTPStatus.FOUND
        assert "/admin/login/" in response["Location"]
        assert db_state() == before

    def test_a_get_is_not_allowed(self, admin_client):
        assert admin_client.get(BULK).status_code == HTTPStatus.METHOD_NOT_ALLOWED


class TestMove:
    @pytest.fixture
    def numbers(self, business):
        return {
            state: PhoneNumberFactory(business=business, inventory_state=state)
            for state in [
                InventoryState.READY_FOR_SMS,
                InventoryState.FAILED,
                InventoryState.ASSIGNED,
                InventoryState.RELEASED,
            ]
        }

    def test_the_confirmation_asks_for_the_state_first(self, admin_client, business, numbers):
        page = admin_client.post(BULK, matching(business, "move")).content.decode()

        assert "Show what will change" in page
        assert 'name="confirmed"' not in page
        # Every target is offered for a selection: each number is judged by the rule.
        for state in ["Available", "Assigned", "Failed", "Ready for SMS"]:
            assert f'<option value="{state}"' in page
        assert '<option value="Released"' not in page

    def test_numbers_that_may_not_move_there_are_skipped_with_why(
        self, admin_client, admin_user, business, numbers
    ):
        ids = list(numbers.values())
        page = admin_client.post(
            BULK, selected(ids, "move", inventory_state="Assigned")
        ).content.decode()
        response = admin_client.post(
            BULK, selected(ids, "move", inventory_state="Assigned", confirmed="1")
        )

        assert "<strong>1</strong> will change, <strong>3</strong> will be skipped" in page
        for reason in [
            "Failed → Assigned is not allowed",
            "already in Assigned",
            "released numbers cannot be moved",
        ]:
            assert f"Skipped: {reason}" in page
        assert texts(response) == [
            "Moved 1 number to Assigned; 3 skipped (1 Failed → Assigned is not allowed, "
            "1 already in Assigned, 1 released numbers cannot be moved)."
        ]
        states = {
            n.pk: n.inventory_state for n in PhoneNumber.objects.filter(pk__in=[n.pk for n in ids])
        }
        assert states == {
            numbers[InventoryState.READY_FOR_SMS].pk: InventoryState.ASSIGNED,
            numbers[InventoryState.FAILED].pk: InventoryState.FAILED,
            numbers[InventoryState.ASSIGNED].pk: InventoryState.ASSIGNED,
            numbers[InventoryState.RELEASED].pk: InventoryState.RELEASED,
        }
        moved = PhoneNumberEvent.objects.filter(actor=admin_user)
        assert [e.phone_number_id for e in moved] == [numbers[InventoryState.READY_FOR_SMS].pk]

    def test_a_number_its_service_refuses_fails_alone_and_is_reported(
        self, admin_client, admin_user, business
    ):
        # The transition table allows Ready for SMS → Available, but Available is the
        # pool's state: the service refuses the business's number (the rule does not
        # name every service check; what the service refuses is a reported failure).
        owned = PhoneNumberFactory(business=business, inventory_state="Ready for SMS")
        pooled = PhoneNumberFactory(business=None, inventory_state="Ready for SMS")

        response = admin_client.post(
            BULK, selected([owned, pooled], "move", inventory_state="Available", confirmed="1")
        )

        shown = texts(response)
        assert shown[0] == "Moved 1 number to Available; 1 failed."
        assert shown[1].startswith(f"Not changed: {owned.number}: ")
        owned.refresh_from_db()
        pooled.refresh_from_db()
        assert (owned.inventory_state, pooled.inventory_state) == ("Ready for SMS", "Available")
        assert [e.phone_number_id for e in PhoneNumberEvent.objects.filter(actor=admin_user)] == [
            pooled.pk
        ]
        run = BulkActionRun.objects.get()
        assert (run.done, run.failed, len(run.errors)) == (1, 1, 1)

    def test_an_unexpected_error_on_one_number_leaves_the_others_done(
        self, admin_client, admin_user, business
    ):
        broken = PhoneNumberFactory(business=business)
        TenDlc.objects.filter(phone_number=broken).delete()  # a row the services never make
        fine = PhoneNumberFactory(business=business)

        response = admin_client.post(BULK, selected([broken, fine], "disable", confirmed="1"))

        shown = texts(response)
        assert shown[0] == "Disabled 1 number; 1 failed."
        assert (
            shown[1]
            == f"Not changed: {broken.number}: unexpected error (RelatedObjectDoesNotExist)"
        )
        assert PhoneNumber.objects.get(pk=fine.pk).enabled is False
        assert PhoneNumber.objects.get(pk=broken.pk).enabled is True


class TestRelease:
    def test_the_confirmation_says_it_cannot_be_undone(self, admin_client, business):
        number = PhoneNumberFactory(business=business)

        page = admin_client.post(BULK, selected([number], "release")).content.decode()

        assert "Releasing cannot be undone." in page
        assert "Yes, release 1 number" in page
        number.refresh_from_db()
        assert number.inventory_state == InventoryState.ASSIGNED

    def test_confirmed_it_releases_with_an_event_each(self, admin_client, business):
        numbers = [PhoneNumberFactory(business=business) for _ in range(2)]

        response = admin_client.post(BULK, selected(numbers, "release", confirmed="1"))

        assert texts(response) == ["Released 2 numbers."]
        assert PhoneNumber.objects.filter(inventory_state=InventoryState.RELEASED).count() == 2
        assert len(events(EventType.RELEASED)) == 2


class TestLimits:
    def test_more_matching_numbers_than_the_limit_are_refused_saying_narrow_it(
        self, admin_client, business, monkeypatch
    ):
        monkeypatch.setattr(bulk_page, "MATCHING_LIMIT", 3)
        for _ in range(4):
            PhoneNumberFactory(business=business)
        before = db_state()

        for confirmed in [{}, {"confirmed": "1"}]:
            response = admin_client.post(BULK, matching(business, "disable", **confirmed))
            assert response.status_code == HTTPStatus.FOUND
            assert texts(response)[-1].startswith("More than 3 numbers match")
            assert "Narrow the filter" in texts(response)[-1]

        assert db_state() == before

    def test_beyond_the_inline_limit_it_runs_on_the_workers_with_a_progress_page(
        self, admin_client, admin_user, business, monkeypatch
    ):
        monkeypatch.setattr(bulk_page, "INLINE_LIMIT", 2)
        numbers = [PhoneNumberFactory(business=business) for _ in range(3)]

        response = admin_client.post(BULK, matching(business, "disable", confirmed="1"))

        run = BulkActionRun.objects.get()
        assert response["Location"] == reverse("ops:bulk-run", args=[run.pk])
        assert run.status == BulkActionRun.Status.RUNNING and run.total == 3
        # Sent to the workers (the test settings' in-memory broker): nothing changed yet.
        assert all(n.enabled for n in PhoneNumber.objects.filter(pk__in=[n.pk for n in numbers]))
        page = admin_client.get(response["Location"]).content.decode()
        assert "0 of 3 (0%)" in page
        assert 'http-equiv="refresh"' in page

    def test_the_frozen_selection_is_what_runs(self, admin_client, admin_user, business):
        """A chunk applies to the ids it was given, whatever matches the filter now."""
        first = PhoneNumberFactory(business=business)
        run = bulk.bulk_run_start(
            user=admin_user,
            action=bulk_page.BY_SLUG["disable"],
            data={},
            query="",
            ids=[first.pk],
        )
        later = PhoneNumberFactory(business=business)

        bulk.bulk_run_chunk(run_id=run.pk, index=0, ids=[first.pk])
        bulk.bulk_run_chunk(run_id=run.pk, index=0, ids=[first.pk])  # delivered twice

        run.refresh_from_db()
        first.refresh_from_db()
        later.refresh_from_db()
        assert (first.enabled, later.enabled) == (False, True)
        assert (run.done, run.skipped, run.status) == (1, 0, BulkActionRun.Status.FINISHED)


class TestQueryCounts:
    def confirmation_queries(self, client, business, count: int) -> int:
        PhoneNumber.objects.filter(business=business).delete()  # no events: factories
        for i in range(count):
            if i % 3:
                warming(business)
            else:
                PhoneNumberFactory(business=business, warmup_enabled=False)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(BULK, matching(business, "pause-warmup"))
        assert response.status_code == HTTPStatus.OK
        return len(queries)

    def test_the_confirmation_page_does_not_grow_with_the_selection(self, admin_client, business):
        few = self.confirmation_queries(admin_client, business, 4)
        many = self.confirmation_queries(admin_client, business, 120)

        assert many == few
        assert many <= 12


class TestTheOneRuleEveryDoor:
    def test_the_single_number_move_offers_only_the_allowed_states(self, admin_client, business):
        failed = PhoneNumberFactory(business=business, inventory_state=InventoryState.FAILED)

        page = admin_client.get(
            reverse("ops:number-action", args=[failed.pk, "move"])
        ).content.decode()

        offered = {s for s in InventoryState.values if f'<option value="{s}"' in page}
        assert offered == {"Available", "Pending verification"}

    def test_moving_to_the_current_state_is_not_a_change(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        before = db_state()

        response = admin_client.post(
            reverse("ops:number-action", args=[number.pk, "move"]),
            {"inventory_state": number.inventory_state},
            follow=True,
        )

        assert f"{number.number}: nothing to do (already in Assigned)." in texts(response)
        assert db_state() == before

    def test_the_service_writes_no_event_for_a_move_to_the_current_state(
        self, admin_user, business
    ):
        number = PhoneNumberFactory(business=business)
        before = db_state()

        services.phone_number_update(
            phone_number=number,
            acting_user=admin_user,
            fields={"inventory_state": InventoryState.ASSIGNED},
        )

        assert db_state() == before

    def test_the_single_number_release_says_it_cannot_be_undone(self, admin_client, business):
        number = PhoneNumberFactory(business=business)

        page = admin_client.get(
            reverse("ops:number-action", args=[number.pk, "release"])
        ).content.decode()

        assert "Releasing cannot be undone." in page

    def test_the_admin_skips_by_the_same_rule(self, admin_client, business):
        paused = services.phone_number_warmup_pause(
            phone_number=warming(business), acting_user=UserFactory(), reason="before"
        )
        fresh = warming(business)
        changelist = reverse("admin:phonenumbers_app_phonenumber_changelist")

        response = admin_client.post(
            changelist,
            {
                "action": "pause_warmup",
                "_selected_action": [str(paused.pk), str(fresh.pk)],
                "apply": "1",
                "reason": "Audit",
            },
            follow=True,
        )

        page = response.content.decode()
        assert "Paused: 1 number(s)." in page
        assert "Skipped 1 number(s) (already paused)." in page


def test_a_list_query_with_paging_fields_selects_the_filter_only(admin_client, business):
    """The list's query string carries its page (orderBy, pageSize, continuationToken):
    "all matching" means every page."""
    numbers = [PhoneNumberFactory(business=business, enabled=False) for _ in range(3)]
    query = urlencode({"businessId": business.pk, "pageSize": 1, "orderBy": "-createdAt"})

    response = admin_client.post(
        BULK, {"action": "enable", "scope": "matching", "query": query, "confirmed": "1"}
    )

    assert texts(response) == ["Enabled 3 numbers."]
    assert response["Location"] == f"/ops/numbers/?{query}"
    assert all(n.enabled for n in PhoneNumber.objects.filter(pk__in=[n.pk for n in numbers]))
