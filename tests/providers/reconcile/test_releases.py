"""Releasing at the provider: DELETE releases in the inventory at once, then the release
job asks the provider; providerReleasedAt is set when it confirms, a pending answer or a
passing failure is asked again (the job's retries, then providers.retry_releases), and a
refusal shows in "needs attention". Numbers without a provider account here keep the
old behaviour (providerReleasedAt set at once, nothing asked).

The provider is tests/providers/reconcile/conftest.py's fake of providers/base.py.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from phonenumbers_app import selectors
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services import phone_number_release
from phonenumbers_app.services.provider_sync import PROVIDER_ACTOR
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from providers import release_tasks, releases
from providers.base import ProviderError, ReleaseState
from providers.releases import Outcome
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSAL = ProviderError("Number is under a port-out order", code="10015")


@pytest.fixture
def number(business, provider):
    provider.hold("+13125550100", "pn-100")
    return PhoneNumberFactory(
        number="+13125550100",
        business=business,
        provider="simulated",
        provider_phone_number_id="pn-100",
        status=PhoneNumberStatus.ACTIVE,
    )


@pytest.fixture
def staff(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def release(number, staff, django_capture_on_commit_callbacks) -> list:
    with django_capture_on_commit_callbacks() as callbacks:
        phone_number_release(phone_number=number, acting_user=staff)
    return callbacks


def run_job(number) -> str:
    return release_tasks.release_number.apply((str(number.pk),)).get()


def test_delete_releases_here_at_once_and_leaves_provider_released_at_to_the_provider(
    member_client, staff_client, number, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = member_client.delete(f"/phone-numbers/{number.pk}")

    assert response.status_code == HTTPStatus.NO_CONTENT
    number.refresh_from_db()
    assert number.inventory_state == InventoryState.RELEASED
    assert number.provider_released_at is None
    assert len(callbacks) == 1  # the release job, sent once the release commits
    assert staff_client.get(f"/phone-numbers/{number.pk}").json()["providerReleasedAt"] is None
    event = PhoneNumberEvent.objects.get(phone_number=number, type="released")
    assert "being released at simulated" in event.details

    assert run_job(number) == Outcome.CONFIRMED

    assert provider.calls == [("release", "pn-100")]
    number.refresh_from_db()
    assert number.provider_released_at is not None
    body = staff_client.get(f"/phone-numbers/{number.pk}").json()
    assert body["providerReleasedAt"] is not None
    confirmed = PhoneNumberEvent.objects.filter(phone_number=number).latest("created_at")
    assert (confirmed.title, confirmed.actor_name) == ("Released at the provider", PROVIDER_ACTOR)


def test_every_door_goes_through_the_service_the_ops_release_sends_the_job(
    client, staff, number, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("ops:number-action", args=[number.pk, "release"]))

    assert response.status_code == HTTPStatus.FOUND
    assert len(callbacks) == 1
    number.refresh_from_db()
    assert (number.inventory_state, number.provider_released_at) == ("Released", None)


def test_a_number_of_a_provider_without_an_account_here_keeps_todays_behaviour(
    staff, provider, django_capture_on_commit_callbacks
):
    telnyx = PhoneNumberFactory(provider="telnyx", provider_phone_number_id="tx-1")
    typed_in = PhoneNumberFactory(provider=None)
    no_id = PhoneNumberFactory(provider="simulated", provider_phone_number_id=None)

    for phone_number in (telnyx, typed_in, no_id):
        assert release(phone_number, staff, django_capture_on_commit_callbacks) == []
        phone_number.refresh_from_db()
        assert phone_number.provider_released_at is not None
    assert provider.calls == []


def test_a_rolled_back_release_asks_nothing_of_the_provider(
    staff, number, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            phone_number_release(phone_number=number, acting_user=staff)
            raise RuntimeError("something later in the same transaction failed")
    assert callbacks == []
    number.refresh_from_db()
    assert number.inventory_state != InventoryState.RELEASED


def test_pending_then_released_is_asked_again_by_the_job_until_confirmed(
    staff, number, provider, django_capture_on_commit_callbacks
):
    release(number, staff, django_capture_on_commit_callbacks)
    provider.release_answers = [
        ReleaseState.PENDING,
        ProviderError("timed out", retryable=True),
        ReleaseState.RELEASED,
    ]

    assert run_job(number) == Outcome.CONFIRMED

    assert provider.calls == [("release", "pn-100")] * 3
    number.refresh_from_db()
    assert number.provider_released_at is not None and number.provider_error is None


def test_after_its_retries_the_job_leaves_the_release_to_the_periodic_task(
    staff, number, provider, settings, django_capture_on_commit_callbacks
):
    release(number, staff, django_capture_on_commit_callbacks)
    provider.release_answers = [ReleaseState.PENDING] * (release_tasks.MAX_RETRIES + 1)

    assert run_job(number) == Outcome.PENDING
    assert len(provider.calls) == release_tasks.MAX_RETRIES + 1
    number.refresh_from_db()
    assert number.provider_released_at is None
    assert selectors.attention_reasons(number) == []  # pending is not a refusal

    # Released within the retry interval: still its own job's.
    assert releases.retry_releases() == {}
    PhoneNumber.objects.filter(pk=number.pk).update(
        modified_at=timezone.now() - timedelta(seconds=settings.PROVIDER_RELEASE_RETRY_SECONDS + 1)
    )
    assert release_tasks.retry_releases.apply().get() == {"confirmed": 1}
    number.refresh_from_db()
    assert number.provider_released_at is not None


def test_a_refusal_is_recorded_and_shows_in_needs_attention(
    client, staff, number, provider, django_capture_on_commit_callbacks
):
    release(number, staff, django_capture_on_commit_callbacks)
    provider.release_answers = [REFUSAL]

    assert run_job(number) == Outcome.REFUSED

    assert len(provider.calls) == 1  # a refusal is not retried by the job
    number.refresh_from_db()
    assert number.provider_released_at is None
    assert number.provider_error == "Number is under a port-out order (code 10015)"
    event = PhoneNumberEvent.objects.filter(phone_number=number).latest("created_at")
    assert (event.title, event.actor_name) == ("Release refused by the provider", PROVIDER_ACTOR)
    reason = "Release refused at the provider: Number is under a port-out order (code 10015)"
    assert selectors.attention_reasons(number) == [reason]
    assert selectors.needs_attention_count() == 1
    assert [n.pk for n in selectors.needs_attention()] == [number.pk]

    client.force_login(staff)
    cache.clear()
    dashboard = client.get(reverse("ops:dashboard")).content.decode()
    assert reason in dashboard
    listed = client.get(reverse("ops:numbers"), {"needsAttention": "true"}).content.decode()
    assert str(number.pk) in listed
    assert "released numbers hidden" not in listed


def test_other_released_numbers_stay_out_of_needs_attention(staff, provider):
    # Released long ago with an old provider error, confirmed, or typed in by hand: their
    # states are their past.
    PhoneNumberFactory(
        inventory_state=InventoryState.RELEASED,
        provider="simulated",
        provider_phone_number_id="pn-old",
        provider_error="Provisioning failed",
        provider_released_at=timezone.now(),
        status=PhoneNumberStatus.FAILED_PROVISIONING,
    )
    failed = PhoneNumberFactory(
        provider="simulated",
        provider_phone_number_id="pn-failed",
        provider_error="Provisioning failed",
        status=PhoneNumberStatus.FAILED_PROVISIONING,
        inventory_state=InventoryState.FAILED,
    )
    assert selectors.needs_attention_count() == 1
    # Released now: the old error is not about the release, and is cleared.
    with_callbacks = phone_number_release(phone_number=failed, acting_user=staff)
    assert with_callbacks.provider_error is None
    assert selectors.needs_attention_count() == 0
    assert selectors.needs_attention() == []


def test_refused_releases_are_asked_again_less_often_and_leave_attention_once_confirmed(
    staff, number, provider, locmem_cache, django_capture_on_commit_callbacks
):
    cache.clear()
    release(number, staff, django_capture_on_commit_callbacks)
    provider.release_answers = [REFUSAL, REFUSAL]
    run_job(number)

    assert releases.retry_releases() == {"refused": 1}  # the first run takes them
    assert releases.retry_releases() == {}  # then not before REFUSED_RETRY_SECONDS
    cache.clear()  # ... have passed
    assert releases.retry_releases() == {"confirmed": 1}

    number.refresh_from_db()
    assert number.provider_released_at is not None and number.provider_error is None
    assert selectors.needs_attention_count() == 0


def test_a_provider_account_removed_meanwhile_leaves_the_release_unconfirmed(
    staff, number, provider, settings, django_capture_on_commit_callbacks
):
    release(number, staff, django_capture_on_commit_callbacks)
    settings.SIMULATED_PROVIDER = False

    assert run_job(number) == Outcome.NOTHING
    assert provider.calls == []


def test_the_job_twice_asks_once_more_and_writes_once(
    staff, number, provider, django_capture_on_commit_callbacks
):
    release(number, staff, django_capture_on_commit_callbacks)
    assert run_job(number) == Outcome.CONFIRMED
    events = PhoneNumberEvent.objects.count()
    assert run_job(number) == Outcome.NOTHING
    assert PhoneNumberEvent.objects.count() == events


def test_the_needs_attention_count_reads_the_refused_releases_in_one_more_query(
    staff, provider, django_assert_max_num_queries
):
    for index in range(5):
        PhoneNumberFactory(
            inventory_state=InventoryState.RELEASED,
            provider="simulated",
            provider_phone_number_id=f"pn-r{index}",
            provider_error="locked",
        )
    with django_assert_max_num_queries(2):
        assert selectors.needs_attention_count() == 5
    with django_assert_max_num_queries(3):
        assert len(selectors.needs_attention()) == 5


def test_changing_a_number_whose_release_is_pending_is_refused_with_when_it_was_released(
    staff_client, number, staff, django_capture_on_commit_callbacks
):
    release(number, staff, django_capture_on_commit_callbacks)

    response = staff_client.patch(f"/phone-numbers/{number.pk}", {"name": "Again"}, format="json")

    assert response.status_code == HTTPStatus.CONFLICT
    assert "unknown date" not in response.json()["detail"]
