"""The staff login lockout (django-axes) and the API's Bearer keys do not touch each other."""

from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_locked_out_staff_user_keeps_using_the_api_with_a_key(client, staff_user):
    staff_user.set_password("the-right-password-42")
    staff_user.save()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "staff", "password": str(attempt)})
    assert AccessAttempt.objects.filter(username="staff").exists()

    response = client_for(staff_user).get("/businesses")

    assert response.status_code == HTTPStatus.OK


def test_bad_api_keys_are_401s_and_lock_nobody_out(db):
    anonymous = APIClient()
    for attempt in range(settings.AXES_FAILURE_LIMIT + 2):
        anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer nope.{attempt}")
        assert anonymous.get("/businesses").status_code == HTTPStatus.UNAUTHORIZED

    assert not AccessAttempt.objects.exists()
