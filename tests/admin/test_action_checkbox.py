"""core.admin_checkbox: the row checkbox is Django's, written without a template."""

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin

from phonenumbers_app.models import PhoneNumber
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


def test_the_row_checkbox_is_the_markup_django_renders():
    number = PhoneNumberFactory(name='Sales <"main"> & co')
    ours = admin.site._registry[PhoneNumber]

    assert ours.action_checkbox(number) == ModelAdmin.action_checkbox(ours, number)
