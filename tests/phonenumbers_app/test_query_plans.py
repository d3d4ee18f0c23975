"""The list's page queries read an index in order on a table large enough that, without
one, PostgreSQL would scan and sort it: a dropped index or a rewritten query that loses
it fails here, not in production at a million rows.

The plans are those of the queries the API really sends (captured from requests), each
run through EXPLAIN (FORMAT JSON) after ANALYZE of 20,000 numbers, inserted once for the
module (committed, and deleted at its end).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from tests.conftest import client_for
from tests.factories import BusinessFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROWS = 20_000
SMALL_SHARE = 100  # one number in 100 belongs to the member's business: 200 numbers
TABLE = PhoneNumber._meta.db_table
# Columns the bulk insert sets per row; every other column takes its model default.
GENERATED = {
    "id": "gen_random_uuid()",
    "number": "'+1415' || (2000000 + i)::text",
    "name": "'Line ' || mod(i, 997)",
    "created_at": "now() - i * interval '1 minute'",
    "modified_at": "CASE WHEN mod(i, 3) = 0 THEN NULL ELSE now() - i * interval '1 second' END",
    "business_id": f"CASE WHEN mod(i, {SMALL_SHARE}) = 0 THEN %(business)s::uuid END",
    "inventory_state": f"CASE WHEN mod(i, {SMALL_SHARE}) = 0 THEN 'Assigned' ELSE 'Available' END",
    "warmup_health_score": "mod(i, 101)",
    "warmup_progress_percent": "mod(i * 7, 101)",
}


def bulk_insert_numbers(business_id) -> None:
    """ROWS numbers in one INSERT ... SELECT (a second, not the minutes of the ORM)."""
    columns, values, params = [], [], {"business": str(business_id)}
    for field in PhoneNumber._meta.concrete_fields:
        columns.append(field.column)
        if field.column in GENERATED:
            values.append(GENERATED[field.column])
        else:
            params[field.column] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({field.column})s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, {ROWS}) AS i",
            params,
        )
        # The representation shows each number's 10DLC and billing rows.
        for related in (TenDlc, Billing):
            cursor.execute(
                f"INSERT INTO {related._meta.db_table} (phone_number_id) SELECT id FROM {TABLE}"
            )
        cursor.execute(f"ANALYZE {TABLE}")


@pytest.fixture(scope="module")
def callers(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Staff and a member of the business holding one number in SMALL_SHARE."""
    with django_db_blocker.unblock():
        business = BusinessFactory(name="Plan Co")
        member = UserFactory(username="plan-member")
        MembershipFactory(user=member, business=business)
        staff = UserFactory(username="plan-staff", is_staff=True)
        bulk_insert_numbers(business.pk)
        yield {"staff": staff, "member": member}
        with connection.cursor() as cursor:
            for model in (TenDlc, Billing, PhoneNumber):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        member.delete()
        staff.delete()
        business.delete()


def nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def page_query_plan(client, params: dict) -> list[dict]:
    """The plan nodes of the query that finds the page's ids for GET /phone-numbers."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/phone-numbers", {"pageSize": 50, **params})
    assert response.status_code == 200, response.content
    sql = next(
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{TABLE}"' in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (explained,) = cursor.fetchone()
    if isinstance(explained, str):
        explained = json.loads(explained)
    return list(nodes(explained[0]["Plan"]))


def index_names(plan: list[dict]) -> set[str]:
    return {node["Index Name"] for node in plan if "Index Name" in node}


def node_types(plan: list[dict]) -> set[str]:
    return {node["Node Type"] for node in plan}


SORT_INDEXES = {
    "createdAt": "phone_number_created_idx",
    "modifiedAt": "phone_number_modified_asc_idx",
    "-modifiedAt": "phone_number_modified_idx",
    "name": "phone_number_name_idx",
    "number": "phone_number_number_idx",
    "warmupHealthScore": "phone_number_health_score_idx",
    "warmupProgressPercent": "phone_number_progress_idx",
}


@pytest.mark.parametrize(
    "order_by",
    [
        "-createdAt",
        "createdAt",
        "modifiedAt",
        "-modifiedAt",
        "name",
        "-name",
        "number",
        "-number",
        "warmupHealthScore",
        "-warmupHealthScore",
        "warmupProgressPercent",
        "-warmupProgressPercent",
    ],
)
def test_each_sort_reads_its_index_in_order(callers, order_by):
    plan = page_query_plan(client_for(callers["staff"]), {"orderBy": order_by})

    expected = SORT_INDEXES.get(order_by, SORT_INDEXES.get(order_by.lstrip("-")))
    assert expected in index_names(plan)
    assert "Sort" not in node_types(plan) and "Seq Scan" not in node_types(plan)


def test_a_tenants_list_reads_its_business_index(callers):
    plan = page_query_plan(client_for(callers["member"]), {})

    assert "phone_number_business_idx" in index_names(plan)
    assert "phone_number_created_idx" not in index_names(plan)
    assert "Seq Scan" not in {n["Node Type"] for n in plan if n.get("Relation Name") == TABLE}


def test_a_whole_number_search_is_an_index_lookup(callers):
    plan = page_query_plan(client_for(callers["staff"]), {"search": "+1 415 200 0150"})

    assert "phone_number_number_idx" in index_names(plan)
    assert "Seq Scan" not in node_types(plan)
