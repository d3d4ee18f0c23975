"""A real worker on Redis and PostgreSQL: tasks run, results and failures are rows staff see."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from core.tasks import ping

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_task_sent_through_redis_runs_and_its_result_is_stored(celery_worker):
    result = celery_worker.send(ping)

    assert result.get(timeout=30) == "pong"
    row = TaskResult.objects.get(task_id=result.id)
    assert (row.status, row.task_name, row.result) == ("SUCCESS", "core.tasks.ping", '"pong"')
    assert row.worker == celery_worker.hostname
    assert row.date_done is not None


def test_a_failed_task_is_stored_with_its_traceback_and_shown_to_staff(celery_worker, admin_client):
    # By name, so nothing checks the arguments before the worker calls ping("unexpected").
    result = celery_worker.send("core.tasks.ping", "unexpected")

    with pytest.raises(TypeError):
        result.get(timeout=30)
    row = TaskResult.objects.get(task_id=result.id)
    assert (row.status, row.task_name) == ("FAILURE", "core.tasks.ping")
    assert "TypeError" in row.traceback
    assert "Traceback (most recent call last)" in row.traceback

    listed = admin_client.get(reverse("admin:django_celery_results_taskresult_changelist"))
    assert listed.status_code == HTTPStatus.OK
    assert result.id in listed.content.decode()
    detail = admin_client.get(
        reverse("admin:django_celery_results_taskresult_change", args=[row.pk])
    )
    assert detail.status_code == HTTPStatus.OK
    assert "TypeError" in detail.content.decode()
