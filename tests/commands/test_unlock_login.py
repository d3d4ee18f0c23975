"""Unlocking a staff login that failed too often: django-axes' reset commands."""

from http import HTTPStatus
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-password-42"


@pytest.fixture
def locked_out(client):
    user = UserFactory(username="operator", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "operator", "password": str(attempt)})
    response = client.post(reverse("admin:login"), {"username": "operator", "password": PASSWORD})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    return user


@pytest.mark.parametrize("command", [("axes_reset_username", "operator"), ("axes_reset",)])
def test_reset_commands_unlock(client, locked_out, command):
    call_command(*command, stdout=StringIO())

    response = client.post(reverse("admin:login"), {"username": "operator", "password": PASSWORD})

    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" in client.session
