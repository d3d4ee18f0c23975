"""Brute force on the staff login: the admin's login page, which /ops/ sends staff to.

Failures are counted per username and client address (django-axes, in the database);
past the limit even the right password is refused until the cool-off ends or someone
unlocks the account.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "the-right-password-42"
ATTACKER = "203.0.113.7"


@pytest.fixture
def operator(db):
    user = UserFactory(username="operator", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, password: str, *, username: str = "operator", address: str = ATTACKER, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=address
    )


def fail(client, times: int, **kwargs) -> None:
    for attempt in range(1, times + 1):
        response = log_in(client, f"wrong-{attempt}", **kwargs)
        # The login form again with its error; the failure that reaches the limit locks.
        locks = attempt >= settings.AXES_FAILURE_LIMIT
        expected = HTTPStatus.TOO_MANY_REQUESTS if locks else HTTPStatus.OK
        assert response.status_code == expected


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_limit_is_five_failures_with_a_thirty_minute_cool_off():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_after_the_limit_even_the_right_password_is_refused(client, operator):
    fail(client, settings.AXES_FAILURE_LIMIT)

    response = log_in(client, PASSWORD)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not logged_in(client)


def test_below_the_limit_the_right_password_logs_in(client, operator):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)

    response = log_in(client, PASSWORD, next="/ops/")

    assert response.status_code == HTTPStatus.FOUND
    assert logged_in(client)


def test_a_successful_login_starts_the_count_again(client, operator):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    log_in(client, PASSWORD)
    client.logout()
    fail(client, settings.AXES_FAILURE_LIMIT - 1)

    log_in(client, PASSWORD)

    assert logged_in(client)


def test_the_ops_pages_log_in_on_the_same_guarded_page(client, operator):
    to_login = client.get(reverse("ops:dashboard"))
    assert to_login["Location"].startswith(f"{LOGIN}?next=")
    fail(client, settings.AXES_FAILURE_LIMIT, next="/ops/")

    response = log_in(client, PASSWORD, next="/ops/")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert client.get(reverse("ops:dashboard")).status_code == HTTPStatus.FOUND


def test_the_lockout_page_says_why_for_how_long_and_how_to_unlock(client, operator):
    fail(client, settings.AXES_FAILURE_LIMIT)

    response = log_in(client, PASSWORD)

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == str(30 * 60)
    assert "Too many failed logins" in text
    assert "operator" in text
    assert "30 minutes" in text
    assert "axes_reset_username" in text
    assert PASSWORD not in text


def test_another_address_or_another_user_is_not_locked(client, operator):
    colleague = UserFactory(username="colleague", is_staff=True)
    colleague.set_password(PASSWORD)
    colleague.save()
    fail(client, settings.AXES_FAILURE_LIMIT)

    log_in(client, PASSWORD, address="198.51.100.20")
    assert logged_in(client)
    client.logout()
    log_in(client, PASSWORD, username="colleague")
    assert logged_in(client)


def test_the_lock_ends_after_the_cool_off(client, operator):
    from axes.models import AccessAttempt

    fail(client, settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    log_in(client, PASSWORD)

    assert logged_in(client)


def test_an_admin_unlocks_by_deleting_the_access_attempt(client, admin_client, operator):
    from axes.models import AccessAttempt

    fail(client, settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="operator")
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert b"operator" in admin_client.get(changelist).content

    admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    log_in(client, PASSWORD)
    assert logged_in(client)
