"""Task results (last runs, failures with traceback) are listed to staff in the admin."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_celery_results.models import TaskResult

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_celery_results_taskresult_changelist")


@pytest.fixture
def failed_run() -> TaskResult:
    # The row a worker writes for a failed task (tests/background/test_worker.py runs one).
    return TaskResult.objects.create(
        task_id="8f1d6d36-52f4-4b43-9e4c-3c1f1c1a0b01",
        task_name="warmup.tick",
        status="FAILURE",
        result='{"exc_type": "RuntimeError", "exc_message": ["provider down"]}',
        traceback="Traceback (most recent call last):\n  ...\nRuntimeError: provider down\n",
        worker="celery@worker-1",
    )


def test_staff_with_the_view_permission_see_task_results_and_their_tracebacks(client, failed_run):
    staff = UserFactory(username="operator", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_taskresult"))
    client.force_login(staff)

    listed = client.get(CHANGELIST, {"status": "FAILURE"})
    detail = client.get(
        reverse("admin:django_celery_results_taskresult_change", args=[failed_run.pk])
    )

    assert listed.status_code == HTTPStatus.OK
    assert failed_run.task_id in listed.content.decode()
    assert "warmup.tick" in listed.content.decode()
    assert detail.status_code == HTTPStatus.OK
    assert "RuntimeError: provider down" in detail.content.decode()


def test_superusers_see_task_results(admin_client, failed_run):
    assert failed_run.task_id in admin_client.get(CHANGELIST).content.decode()


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(client, failed_run):
    client.force_login(UserFactory(username="tenant"))

    response = client.get(CHANGELIST)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))
