"""Whatever JSON arrives, POST /phone-numbers answers with 200, 400 or 409, never a 5xx."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

FIELDS = ["name", "number", "businessId", "enabled", "id"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
plausible_values = {
    "name": st.text(max_size=300) | json_values,
    "number": st.sampled_from(["+14155552671", "(415) 555-2671", "+14155550100", "x"])
    | st.text(max_size=20)
    | json_values,
    "enabled": st.booleans() | json_values,
    "id": st.uuids().map(str) | json_values,
}
bodies = st.fixed_dictionaries(
    {},
    optional=plausible_values,
) | st.dictionaries(st.sampled_from([*FIELDS, "extra"]), json_values, max_size=6)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, with_business=st.booleans())
def test_any_json_body_gets_a_contract_answer(staff_client, body, with_business):
    business = BusinessFactory()
    PhoneNumberFactory()  # pool stock, so that some claims succeed
    if with_business and "businessId" not in body:
        body = {**body, "businessId": str(business.pk)}

    response = staff_client.generic(
        "POST", "/phone-numbers", json.dumps(body), content_type="application/json"
    )

    assert response.status_code in {200, 400, 409}, response.content
    if response.status_code != 200:
        assert response["Content-Type"] == "application/problem+json"
