"""Idempotency-Key on writes: the first response is stored and replayed, the write runs once."""

import json
from collections import Counter
from datetime import timedelta
from functools import partial
from http import HTTPStatus

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from businesses.models import Business
from core.idempotency import ABANDONED_AFTER, fingerprint, idempotency_purge
from core.models import IdempotencyRecord
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState, WarmupHealthState
from tests.concurrently import all_at_once
from tests.conftest import client_for
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = "3f1c2b9e-6a4d-4f7e-9a51-0c2d8e7b4a10"
NUMBER = "+14155552671"


def raw(body: dict | None) -> bytes:
    return b"" if body is None else json.dumps(body).encode()


def send(
    client: APIClient, method: str, path: str, body: dict | None = None, key: str | None = KEY
):
    """One request with exactly these body bytes (so tests can fingerprint them)."""
    extra = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.generic(method, path, raw(body), content_type="application/json", **extra)


def assert_replay_of(replayed, first, headers=("Location", "ETag", "Content-Type")) -> None:
    assert "Idempotent-Replayed" not in first
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.status_code == first.status_code
    assert replayed.content == first.content
    for header in headers:
        assert replayed.get(header) == first.get(header), header


def assert_problem(response, status: int, problem_type: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{problem_type}"
    assert body["status"] == status
    return body


def create_body(business) -> dict:
    return {"name": "Sales line", "number": NUMBER, "businessId": str(business.pk)}


class TestReplay:
    def test_replayed_create_returns_the_first_response_and_creates_once(
        self, staff_client, staff_user, business
    ):
        first = send(staff_client, "POST", "/phone-numbers", create_body(business))
        again = send(staff_client, "POST", "/phone-numbers", create_body(business))

        assert first.status_code == HTTPStatus.OK
        assert first["Location"].endswith(f"/phone-numbers/{first.json()['id']}")
        assert first["ETag"]
        assert_replay_of(again, first)
        assert PhoneNumber.objects.count() == 1
        assert PhoneNumberEvent.objects.count() == 1
        record = IdempotencyRecord.objects.get()
        assert (record.user, record.key, record.status) == (staff_user, KEY, 200)
        assert bytes(record.body) == first.content

    def test_replayed_patch_changes_the_number_once(self, staff_client, business):
        number = PhoneNumberFactory(business=business)
        path = f"/phone-numbers/{number.pk}"

        first = send(staff_client, "PATCH", path, {"name": "Renamed"})
        again = send(staff_client, "PATCH", path, {"name": "Renamed"})

        assert first.status_code == HTTPStatus.OK
        assert_replay_of(again, first)
        number.refresh_from_db()
        assert number.name == "Renamed"
        assert number.version == 2
        assert PhoneNumberEvent.objects.filter(phone_number=number).count() == 1

    def test_replayed_delete_releases_once(self, staff_client, business):
        number = PhoneNumberFactory(business=business)
        path = f"/phone-numbers/{number.pk}"

        first = send(staff_client, "DELETE", path)
        again = send(staff_client, "DELETE", path)

        assert first.status_code == HTTPStatus.NO_CONTENT
        assert_replay_of(again, first, headers=("Location", "ETag"))
        number.refresh_from_db()
        assert number.inventory_state == InventoryState.RELEASED
        assert PhoneNumberEvent.objects.filter(phone_number=number).count() == 1

    def test_replayed_204_has_no_content_type_like_the_first(self, staff_client, business):
        path = f"/phone-numbers/{PhoneNumberFactory(business=business).pk}"

        first = send(staff_client, "DELETE", path)
        again = send(staff_client, "DELETE", path)

        assert "Content-Type" not in first
        assert "Content-Type" not in again

    def test_replayed_business_create_creates_one_business(self, staff_client):
        first = send(staff_client, "POST", "/businesses", {"name": "Acme Roofing"})
        again = send(staff_client, "POST", "/businesses", {"name": "Acme Roofing"})

        assert first.status_code == HTTPStatus.CREATED
        assert first["Location"]
        assert_replay_of(again, first)
        assert Business.objects.count() == 1

    def test_replayed_warmup_pause_pauses_once(self, staff_client, business):
        number = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=WarmupHealthState.WARMING
        )
        path = f"/phone-numbers/{number.pk}/warmup/pause"

        first = send(staff_client, "POST", path, {"reason": "Carrier complaint"})
        # Run again, a second pause would be a 409 (already paused): the replay is the first 200.
        again = send(staff_client, "POST", path, {"reason": "Carrier complaint"})

        assert first.status_code == HTTPStatus.OK
        assert_replay_of(again, first)
        assert (
            PhoneNumberEvent.objects.filter(
                phone_number=number, type=EventType.WARMUP_PAUSED
            ).count()
            == 1
        )

    def test_conflict_is_replayed_even_after_the_conflict_is_gone(self, staff_client, business):
        existing = PhoneNumberFactory(number=NUMBER, business=BusinessFactory())
        first = send(staff_client, "POST", "/phone-numbers", create_body(business))
        assert_problem(first, HTTPStatus.CONFLICT, "number-exists")
        # Run again now, the create would succeed (a released number can be created again).
        PhoneNumber.objects.filter(pk=existing.pk).update(inventory_state=InventoryState.RELEASED)

        again = send(staff_client, "POST", "/phone-numbers", create_body(business))

        assert_replay_of(again, first)
        assert PhoneNumber.objects.count() == 1
        assert IdempotencyRecord.objects.get().status == HTTPStatus.CONFLICT

    def test_validation_error_is_replayed(self, staff_client):
        first = send(staff_client, "POST", "/phone-numbers", {"name": ""})
        again = send(staff_client, "POST", "/phone-numbers", {"name": ""})

        assert_problem(first, HTTPStatus.BAD_REQUEST, "validation-error")
        assert_replay_of(again, first)
        assert IdempotencyRecord.objects.get().status == HTTPStatus.BAD_REQUEST

    def test_server_error_is_not_stored_so_a_retry_runs_again(
        self, staff_client, business, monkeypatch
    ):
        from phonenumbers_app.api import views

        def explode(**kwargs):
            raise RuntimeError("boom")

        with monkeypatch.context() as patch:
            patch.setattr(views.services, "phone_number_create", explode)
            failed = send(staff_client, "POST", "/phone-numbers", create_body(business))

        assert_problem(failed, HTTPStatus.INTERNAL_SERVER_ERROR, "server-error")
        assert not IdempotencyRecord.objects.exists()

        retry = send(staff_client, "POST", "/phone-numbers", create_body(business))

        assert retry.status_code == HTTPStatus.OK
        assert "Idempotent-Replayed" not in retry
        assert PhoneNumber.objects.count() == 1
        assert IdempotencyRecord.objects.get().status == HTTPStatus.OK


class TestKeyReusedForAnotherRequest:
    def test_same_key_with_a_different_body_is_a_422_and_writes_nothing(
        self, staff_client, business, unchanged_db
    ):
        first = send(staff_client, "POST", "/phone-numbers", create_body(business))
        record_before = IdempotencyRecord.objects.values().get()

        with unchanged_db():
            response = send(
                staff_client,
                "POST",
                "/phone-numbers",
                {**create_body(business), "number": "+14155552672"},
            )

        body = assert_problem(response, HTTPStatus.UNPROCESSABLE_ENTITY, "idempotency-key-reused")
        assert "POST /phone-numbers" in body["detail"]
        assert "Idempotent-Replayed" not in response
        assert IdempotencyRecord.objects.values().get() == record_before
        assert first.status_code == HTTPStatus.OK

    def test_same_key_on_a_different_path_is_a_422_and_writes_nothing(
        self, staff_client, business, unchanged_db
    ):
        one, other = (
            PhoneNumberFactory(
                business=business, warmup_enabled=True, warmup_state=WarmupHealthState.WARMING
            )
            for _ in range(2)
        )
        reason = {"reason": "Carrier complaint"}
        first = send(staff_client, "POST", f"/phone-numbers/{one.pk}/warmup/pause", reason)
        assert first.status_code == HTTPStatus.OK

        with unchanged_db():
            response = send(staff_client, "POST", f"/phone-numbers/{other.pk}/warmup/pause", reason)

        assert_problem(response, HTTPStatus.UNPROCESSABLE_ENTITY, "idempotency-key-reused")
        other.refresh_from_db()
        assert other.warmup_state == WarmupHealthState.WARMING

    def test_same_key_with_another_method_is_a_422(self, staff_client, business, unchanged_db):
        number = PhoneNumberFactory(business=business)
        path = f"/phone-numbers/{number.pk}"
        send(staff_client, "PATCH", path, {"name": "Renamed"})

        with unchanged_db():
            response = send(staff_client, "PUT", path, {"name": "Renamed"})

        assert_problem(response, HTTPStatus.UNPROCESSABLE_ENTITY, "idempotency-key-reused")


class TestUnsupportedMethod:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("PUT", "/phone-numbers"),
            ("DELETE", "/phone-numbers"),
            ("PATCH", "/phone-numbers/{id}/events"),
            ("DELETE", "/phone-numbers/{id}/warmup/pause"),
        ],
    )
    def test_is_a_405_every_time_and_claims_no_key(
        self, staff_client, business, unchanged_db, method, path
    ):
        number = PhoneNumberFactory(business=business)
        path = path.format(id=number.pk)

        with unchanged_db():
            first = send(staff_client, method, path, {"name": "A"})
            retried = send(staff_client, method, path, {"name": "A"})
            other_body = send(staff_client, method, path, {"name": "B"})

        for response in (first, retried, other_body):
            assert_problem(response, HTTPStatus.METHOD_NOT_ALLOWED, "method-not-allowed")
            assert "Idempotent-Replayed" not in response
            assert response["Allow"]
        assert not IdempotencyRecord.objects.exists()

    def test_key_stays_free_for_the_request_the_path_supports(self, staff_client, business):
        send(staff_client, "PUT", "/phone-numbers", create_body(business))

        response = send(staff_client, "POST", "/phone-numbers", create_body(business))

        assert response.status_code == HTTPStatus.OK


class TestRequestStillRunning:
    def running_record(self, user, body: dict, **fields) -> IdempotencyRecord:
        return IdempotencyRecord.objects.create(
            user=user,
            key=KEY,
            fingerprint=fingerprint("POST", "/businesses", raw(body)),
            status=None,
            headers={"request": "POST /businesses"},
            **fields,
        )

    def test_retry_while_the_first_request_runs_is_a_409_and_writes_nothing(
        self, staff_client, staff_user, unchanged_db
    ):
        record = self.running_record(staff_user, {"name": "Acme"})

        with unchanged_db():
            response = send(staff_client, "POST", "/businesses", {"name": "Acme"})

        assert_problem(response, HTTPStatus.CONFLICT, "idempotency-key-in-use")
        record.refresh_from_db()
        assert record.status is None

    def test_request_abandoned_longer_than_the_limit_is_taken_over(self, staff_client, staff_user):
        self.running_record(
            staff_user,
            {"name": "Acme"},
            created_at=timezone.now() - ABANDONED_AFTER - timedelta(seconds=1),
        )

        response = send(staff_client, "POST", "/businesses", {"name": "Acme"})

        assert response.status_code == HTTPStatus.CREATED
        assert "Idempotent-Replayed" not in response
        assert Business.objects.count() == 1
        record = IdempotencyRecord.objects.get()
        assert record.status == HTTPStatus.CREATED
        assert bytes(record.body) == response.content
        assert record.created_at > timezone.now() - ABANDONED_AFTER

    def test_request_running_for_less_than_the_limit_is_not_taken_over(
        self, staff_client, staff_user
    ):
        self.running_record(
            staff_user,
            {"name": "Acme"},
            created_at=timezone.now() - ABANDONED_AFTER + timedelta(seconds=30),
        )

        response = send(staff_client, "POST", "/businesses", {"name": "Acme"})

        assert_problem(response, HTTPStatus.CONFLICT, "idempotency-key-in-use")
        assert not Business.objects.exists()


class TestKeyScope:
    def test_keys_are_per_caller(self, staff_client, staff_user):
        other_staff = UserFactory(username="other-staff", is_staff=True)
        other_client = client_for(other_staff)

        mine = send(staff_client, "POST", "/businesses", {"name": "Acme"})
        theirs = send(other_client, "POST", "/businesses", {"name": "Acme"})

        assert mine.status_code == theirs.status_code == HTTPStatus.CREATED
        assert "Idempotent-Replayed" not in theirs
        assert mine.json()["id"] != theirs.json()["id"]
        assert Business.objects.count() == 2
        assert set(IdempotencyRecord.objects.values_list("user", "key")) == {
            (staff_user.pk, KEY),
            (other_staff.pk, KEY),
        }
        # And each caller's replay is its own first response.
        assert_replay_of(send(other_client, "POST", "/businesses", {"name": "Acme"}), theirs)

    def test_same_key_with_different_bodies_from_two_callers_is_no_conflict(self, staff_client):
        other_client = client_for(UserFactory(username="other-staff", is_staff=True))

        mine = send(staff_client, "POST", "/businesses", {"name": "Acme"})
        theirs = send(other_client, "POST", "/businesses", {"name": "Other Co"})

        assert mine.status_code == theirs.status_code == HTTPStatus.CREATED
        assert sorted(Business.objects.values_list("name", flat=True)) == ["Acme", "Other Co"]

    def test_record_older_than_the_ttl_is_ignored_and_the_request_runs_again(self, staff_client):
        first = send(staff_client, "POST", "/businesses", {"name": "Acme"})
        expired = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
        IdempotencyRecord.objects.update(created_at=expired)

        again = send(staff_client, "POST", "/businesses", {"name": "Acme"})

        assert again.status_code == HTTPStatus.CREATED
        assert "Idempotent-Replayed" not in again
        assert again.json()["id"] != first.json()["id"]
        assert Business.objects.count() == 2
        record = IdempotencyRecord.objects.get()
        assert record.created_at > expired
        assert bytes(record.body) == again.content

    def test_expired_record_does_not_make_a_different_body_a_422(self, staff_client):
        send(staff_client, "POST", "/businesses", {"name": "Acme"})
        IdempotencyRecord.objects.update(
            created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
        )

        response = send(staff_client, "POST", "/businesses", {"name": "Other Co"})

        assert response.status_code == HTTPStatus.CREATED

    def test_purge_deletes_only_records_older_than_the_ttl(self, staff_client, staff_user):
        send(staff_client, "POST", "/businesses", {"name": "Old"}, key="old-key")
        send(staff_client, "POST", "/businesses", {"name": "New"}, key="new-key")
        IdempotencyRecord.objects.filter(key="old-key").update(
            created_at=timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
        )

        assert idempotency_purge() == 1

        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
        assert Business.objects.count() == 2  # only the records go, never the data

    def test_ttl_comes_from_the_setting(self, staff_client, settings):
        settings.IDEMPOTENCY_KEY_TTL_SECONDS = 60
        send(staff_client, "POST", "/businesses", {"name": "Acme"})
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(seconds=61))

        assert idempotency_purge() == 1


class TestWithoutOrWithBadKey:
    def test_without_the_header_nothing_is_stored_and_each_post_runs(self, staff_client):
        first = send(staff_client, "POST", "/businesses", {"name": "Acme"}, key=None)
        second = send(staff_client, "POST", "/businesses", {"name": "Acme"}, key=None)

        assert first.status_code == second.status_code == HTTPStatus.CREATED
        assert "Idempotent-Replayed" not in second
        assert Business.objects.count() == 2
        assert not IdempotencyRecord.objects.exists()

    def test_without_the_header_a_repeated_create_is_a_conflict(self, staff_client, business):
        first = send(staff_client, "POST", "/phone-numbers", create_body(business), key=None)
        second = send(staff_client, "POST", "/phone-numbers", create_body(business), key=None)

        assert first.status_code == HTTPStatus.OK
        assert_problem(second, HTTPStatus.CONFLICT, "number-exists")
        assert not IdempotencyRecord.objects.exists()

    @pytest.mark.parametrize(
        "key",
        ["", "k" * 256, "clé-1", "two words", "tab\there"],
        ids=["empty", "256-chars", "non-ascii", "space", "tab"],
    )
    def test_invalid_key_is_a_400_on_the_header_and_writes_nothing(
        self, staff_client, key, unchanged_db
    ):
        with unchanged_db():
            response = send(staff_client, "POST", "/businesses", {"name": "Acme"}, key=key)

        body = assert_problem(response, HTTPStatus.BAD_REQUEST, "validation-error")
        assert list(body["errors"]) == ["Idempotency-Key"]
        assert not IdempotencyRecord.objects.exists()

    @pytest.mark.parametrize("key", ["k", "k" * 255, "AZaz09!~._-:/"])
    def test_keys_of_1_to_255_visible_ascii_characters_are_accepted(self, staff_client, key):
        response = send(staff_client, "POST", "/businesses", {"name": "Acme"}, key=key)

        assert response.status_code == HTTPStatus.CREATED
        assert IdempotencyRecord.objects.get().key == key

    @pytest.mark.parametrize("key", [KEY, "", "not valid"])
    def test_get_ignores_the_header(self, staff_client, business, key):
        number = PhoneNumberFactory(business=business)

        first = staff_client.get(f"/phone-numbers/{number.pk}", HTTP_IDEMPOTENCY_KEY=key)
        listing = staff_client.get("/phone-numbers", HTTP_IDEMPOTENCY_KEY=key)

        assert first.status_code == listing.status_code == HTTPStatus.OK
        assert "Idempotent-Replayed" not in first
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_posts_with_one_key_create_one_row():
    business = BusinessFactory()
    staff = UserFactory(username="racer", is_staff=True)
    clients = [client_for(staff) for _ in range(10)]
    body = create_body(business)

    def post(client) -> tuple:
        response = send(client, "POST", "/phone-numbers", body)
        return response.status_code, response.content, response

    results = all_at_once([partial(post, c) for c in clients])

    assert all(result is not None for result in results)
    statuses = Counter(status for status, _, _ in results)
    assert set(statuses) <= {HTTPStatus.OK, HTTPStatus.CONFLICT}, statuses
    assert statuses[HTTPStatus.OK] >= 1
    created = [content for status, content, _ in results if status == HTTPStatus.OK]
    assert len(set(created)) == 1  # the original and its replays, byte for byte
    originals = [r for s, _, r in results if s == HTTPStatus.OK and "Idempotent-Replayed" not in r]
    assert len(originals) == 1
    for status, _, response in results:
        if status == HTTPStatus.CONFLICT:
            assert response.json()["type"] == "/problems/idempotency-key-in-use"
    assert PhoneNumber.objects.filter(number=NUMBER).count() == 1
    assert PhoneNumberEvent.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.status == HTTPStatus.OK
