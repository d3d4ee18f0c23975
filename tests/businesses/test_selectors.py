import uuid

import pytest
from django.core.exceptions import ValidationError

from businesses.selectors import (
    BusinessAmbiguous,
    BusinessNotFound,
    business_by_id_or_name,
    business_list,
    business_resolve_for_caller,
)
from tests.factories import BusinessFactory, MembershipFactory, UserFactory

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


class TestBusinessByIdOrName:
    """The one look-up of a business someone typed, used by every door."""

    def test_by_id_as_text_or_uuid(self, business):
        assert business_by_id_or_name(value=str(business.pk)) == business
        assert business_by_id_or_name(value=f" {business.pk} ") == business
        assert business_by_id_or_name(value=business.pk) == business

    def test_by_exact_name_then_by_name_in_any_case(self, business):
        lookalike = BusinessFactory(name="ACME ROOFING")

        assert business_by_id_or_name(value="Acme Roofing") == business
        assert business_by_id_or_name(value="ACME ROOFING") == lookalike
        with pytest.raises(BusinessAmbiguous, match=r"Several businesses \(2\)"):
            business_by_id_or_name(value="acme roofing")

    def test_the_same_name_twice_needs_the_id(self, business):
        BusinessFactory(name=business.name)

        with pytest.raises(BusinessAmbiguous, match="use the business's id"):
            business_by_id_or_name(value=business.name)

    def test_unknown_id_or_name(self, business):
        with pytest.raises(BusinessNotFound, match="No business has the id"):
            business_by_id_or_name(value=str(uuid.uuid4()))
        with pytest.raises(BusinessNotFound, match="No business is named 'Nobody'"):
            business_by_id_or_name(value="Nobody")

    def test_a_member_finds_only_their_businesses(self, member, business, other_business):
        assert business_by_id_or_name(value=business.name, user=member) == business
        with pytest.raises(BusinessNotFound):
            business_by_id_or_name(value=other_business.name, user=member)
        with pytest.raises(BusinessNotFound):
            business_by_id_or_name(value=other_business.pk, user=member)
