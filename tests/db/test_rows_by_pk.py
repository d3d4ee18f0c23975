"""core.db.rows_by_pk: values by primary key from SQL compiled once per shape."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection

from core.db import rows_by_pk
from core.db.rows_by_pk import values_by_pk
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.number_rows import COLUMNS, row_of, rows_by_id
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db

# Every kind of value a number's row holds: text, booleans, integers, a decimal, UUIDs,
# timestamps and nulls, through a one-to-one join.
MIXED = (
    "id",
    "number",
    "enabled",
    "warmup_health_score",
    "created_at",
    "provider_synced_at",
    "business_id",
    "billing__monthly_amount",
    "ten_dlc__status_updated_at",
)


def test_values_are_those_of_values_list(business):
    numbers = [PhoneNumberFactory(business=business), PhoneNumberFactory(business=None)]
    numbers[0].billing.monthly_amount = Decimal("1.15")
    numbers[0].billing.save()
    ids = [n.pk for n in numbers]

    rows = values_by_pk(PhoneNumber, MIXED, ids, using="default")

    expected = PhoneNumber.objects.filter(pk__in=ids).values_list(*MIXED)
    assert sorted(rows, key=str) == sorted(expected, key=str)
    by_id = {row[0]: row for row in rows}
    assert by_id[numbers[0].pk][7] == Decimal("1.15")
    assert isinstance(by_id[numbers[0].pk][0], uuid.UUID)
    assert by_id[numbers[1].pk][6] is None


def test_missing_keys_have_no_row_and_no_keys_read_nothing(django_assert_num_queries):
    number = PhoneNumberFactory()

    rows = values_by_pk(PhoneNumber, ("id",), [uuid.uuid4(), number.pk], using="default")
    with django_assert_num_queries(0):
        nothing = values_by_pk(PhoneNumber, ("id",), [], using="default")

    assert rows == [(number.pk,)]
    assert nothing == []


def test_a_statement_is_compiled_once_per_key_count():
    numbers = PhoneNumberFactory.create_batch(3)
    rows_by_pk._statement.cache_clear()

    for _ in range(3):
        values_by_pk(PhoneNumber, ("id",), [numbers[0].pk], using="default")
    values_by_pk(PhoneNumber, ("id",), [n.pk for n in numbers], using="default")

    info = rows_by_pk._statement.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_a_number_reads_the_same_row_from_a_list_and_from_its_instance(business):
    owner = UserFactory(first_name="Ada", last_name="Lovelace")
    number = PhoneNumberFactory(business=business, user=owner)
    number.billing.business, number.billing.user = business, owner
    number.billing.save()
    loaded = PhoneNumber.objects.select_related(
        "business", "user", "ten_dlc", "billing__business", "billing__user"
    ).get(pk=number.pk)

    listed = rows_by_id([number.pk], using=connection.alias)[number.pk]

    assert listed == row_of(loaded)
    assert set(listed) >= set(COLUMNS)
    assert listed["user_name"] == listed["billing__user_name"] == "Ada Lovelace"
    assert listed["business_name"] == listed["billing__business_name"] == business.name
