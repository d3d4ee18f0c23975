"""Staff sessions (the /ops pages and the admin) end after a working day without a request."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

WORKING_DAY = 8 * 60 * 60


def test_sessions_last_a_working_day():
    assert settings.SESSION_COOKIE_AGE == WORKING_DAY


@pytest.mark.parametrize("url", [reverse("ops:dashboard"), reverse("admin:index")])
def test_every_page_renews_the_session_for_another_working_day(admin_client, url):
    for _ in range(2):
        response = admin_client.get(url)

        assert response.status_code == HTTPStatus.OK
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["max-age"] == WORKING_DAY
        assert cookie["httponly"]


def test_api_calls_start_no_session(staff_client):
    response = staff_client.get("/businesses")

    assert response.status_code == HTTPStatus.OK
    assert settings.SESSION_COOKIE_NAME not in response.cookies
