import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_expired_records(staff_user, settings):
    now = timezone.now()
    old = IdempotencyRecord.objects.create(
        user=staff_user,
        key="old",
        fingerprint="f",
        status=201,
        created_at=now - datetime.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1),
    )
    fresh = IdempotencyRecord.objects.create(
        user=staff_user, key="new", fingerprint="f", status=201
    )
    out = StringIO()

    call_command("purge_idempotency_keys", stdout=out)

    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert "Deleted 1" in out.getvalue()
