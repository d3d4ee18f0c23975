import uuid

import pytest
from django.core.exceptions import ValidationError

from businesses.selectors import business_list, business_resolve_for_caller
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_see_every_business_and_members_only_theirs(
    staff_user, member, business, other_business
):
    assert set(business_list(user=staff_user)) == {business, other_business}
    assert list(business_list(user=member)) == [business]


def test_staff_omitting_the_business_act_on_none(staff_user):
    assert business_resolve_for_caller(user=staff_user, business_id=None) is None


def test_member_of_one_business_gets_it_by_default(member, business):
    assert business_resolve_for_caller(user=member, business_id=None) == business


def test_member_of_several_businesses_must_say_which(business, other_business):
    user = UserFactory()
    MembershipFactory(user=user, business=business)
    MembershipFactory(user=user, business=other_business)

    with pytest.raises(ValidationError) as error:
        business_resolve_for_caller(user=user, business_id=None)

    assert error.value.message_dict == {
        "businessId": ["Required: your API key can act on 2 businesses, so say which one."]
    }


@pytest.mark.parametrize("which", ["missing", "other"])
def test_missing_and_inaccessible_businesses_read_the_same(member, other_business, which):
    business_id = uuid.uuid4() if which == "missing" else other_business.pk

    with pytest.raises(ValidationError) as error:
        business_resolve_for_caller(user=member, business_id=business_id)

    assert error.value.message_dict == {"businessId": ["No business with this id exists."]}
