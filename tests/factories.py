import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from businesses.models import Business, Membership
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.vocabularies import InventoryState

FACTORY_AREA_CODES = [
    "201", "202", "203", "205", "206", "207", "208", "209", "210", "212",
    "213", "214", "215", "216", "217", "218", "219", "220", "223", "224",
]  # fmt: skip


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class BusinessFactory(DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Business {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business = factory.SubFactory(BusinessFactory)


class PhoneNumberFactory(DjangoModelFactory):
    """Rows for test set-up only (pool stock, odd states); tests of writes use the services."""

    class Meta:
        model = PhoneNumber
        skip_postgeneration_save = True

    # 555-01XX: fictional NANP numbers, valid for the library; 100 per area code, over
    # US area codes the library accepts (so any number of rows stays valid).
    number = factory.Sequence(
        lambda n: f"+1{FACTORY_AREA_CODES[(n // 100) % len(FACTORY_AREA_CODES)]}55501{n % 100:02d}"
    )
    name = factory.Sequence(lambda n: f"Line {n}")
    business = None
    inventory_state = factory.LazyAttribute(
        lambda o: InventoryState.ASSIGNED if o.business else InventoryState.AVAILABLE
    )
    ten_dlc = factory.RelatedFactory("tests.factories.TenDlcFactory", "phone_number")
    billing = factory.RelatedFactory("tests.factories.BillingFactory", "phone_number")

    class Params:
        assigned = factory.Trait(
            business=factory.SubFactory(BusinessFactory),
            inventory_state=InventoryState.ASSIGNED,
        )


class TenDlcFactory(DjangoModelFactory):
    class Meta:
        model = TenDlc


class BillingFactory(DjangoModelFactory):
    class Meta:
        model = Billing
