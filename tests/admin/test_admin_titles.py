"""The admin names things as people do: numbers by their E.164 number, businesses and
users by name, and lists each model once."""

import re
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserAPIKey
from accounts.services import api_key_create
from businesses.models import Membership
from core.models import IdempotencyRecord
from outgoing.models import Conversation, ConversationEvent, LeadSender
from phonenumbers_app.models import Billing, PhoneNumberEvent, TenDlc
from phonenumbers_app.operator_actions import BY_SLUG
from phonenumbers_app.services import phone_number_create
from phonenumbers_app.services.bulk import bulk_run_start
from tests.factories import BusinessFactory, MembershipFactory
from tests.warmup_factories import DailyStatsFactory, EngineRunFactory, NumberWarmupFactory
from warmup.models import BusinessWarmupPlan, WarmupPlan

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
OUR_APPS = {"accounts", "businesses", "core", "phonenumbers_app", "outgoing", "warmup"}


@pytest.fixture
def one_of_each(admin_user):
    """A row of every model our admin shows, made as the product makes them."""
    business = BusinessFactory(name="Acme Roofing")
    number = phone_number_create(
        acting_user=admin_user, name="Sales line", number="+14155552671", business=business
    )
    MembershipFactory(user=admin_user, business=business)
    api_key_create(user=admin_user, name="demo")
    IdempotencyRecord.objects.create(user=admin_user, key="retry-1", fingerprint="f" * 64)
    conversation = Conversation.objects.create(
        business=business, conversation_id="conv-42", phone_number=number
    )
    ConversationEvent.objects.create(
        conversation=conversation, type="pinned", number=number.number, phone_number=number
    )
    LeadSender.objects.create(business=business, lead_id="lead-7", phone_number=number)
    NumberWarmupFactory(phone_number=number, plan=WarmupPlan.objects.first())
    DailyStatsFactory(phone_number=number)
    EngineRunFactory(started_at=timezone.now())
    BusinessWarmupPlan.objects.create(business=business, plan=WarmupPlan.objects.first())
    bulk_run_start(user=admin_user, action=BY_SLUG["disable"], data={}, query="", ids=[number.pk])
    return number


def our_model_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
    ]


def test_the_admin_index_lists_api_keys_once(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert page.count(">API keys</a>") == 1


def test_every_change_page_is_titled_by_a_number_or_a_name(admin_client, one_of_each):
    titled = {}
    for model, _model_admin in our_model_admins():
        row = model._default_manager.first()
        assert row is not None, f"no {model.__name__} to look at"
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk]
        )
        response = admin_client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        heading = response.context["subtitle"]
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1]
        assert not UUID.search(heading), (model.__name__, heading)
        assert not UUID.search(title), (model.__name__, title)
        titled[model.__name__] = heading

    assert titled["PhoneNumber"] == "+14155552671"
    assert titled["Business"] == "Acme Roofing"
    assert titled["PhoneNumberEvent"].startswith("+14155552671: ")
    assert titled["TenDlc"] == "10DLC of +14155552671"
    assert titled["Billing"] == "Billing of +14155552671"
    assert titled["Conversation"] == "conv-42 of Acme Roofing"
    assert titled["NumberWarmup"] == "Warmup of +14155552671: day 1"


def test_names_of_rows_that_point_at_numbers_users_and_businesses(admin_user, one_of_each):
    number = one_of_each
    key = UserAPIKey.objects.get(user=admin_user)
    event = PhoneNumberEvent.objects.filter(phone_number=number).first()

    assert str(number) == "+14155552671"
    assert str(key) == f"demo ({key.prefix}…) of {admin_user.username}"
    assert str(Membership.objects.get(user=admin_user)) == f"{admin_user.username} in Acme Roofing"
    assert str(event) == f"+14155552671: {event.title}"
    assert str(TenDlc.objects.get(phone_number=number)) == "10DLC of +14155552671"
    assert str(Billing.objects.get(phone_number=number)) == "Billing of +14155552671"
    assert str(LeadSender.objects.get()) == "Lead lead-7 of Acme Roofing → +14155552671"
    assert str(IdempotencyRecord.objects.get()) == f"retry-1 of {admin_user.username} (running)"
