"""The admin's add and change forms: the services' own checks run in clean(), so errors
appear on the form. The actions' forms are shared with /ops/: phonenumbers_app.forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.errors import DomainError
from phonenumbers_app import services
from phonenumbers_app.errors import NUMBER_EXISTS
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.services.events import API_NAMES
from phonenumbers_app.services.update import UPDATABLE_FIELDS

# Model fields the change form edits; `business` is handled apart (it moves ownership).
EDITABLE_FIELDS = list(UPDATABLE_FIELDS)
_FIELD_BY_API_NAME = {api: field for field, api in API_NAMES.items()}


def _model_field(api_or_field: str) -> str | None:
    """The form field an error from the service belongs to (None: the whole form)."""
    if api_or_field in _FIELD_BY_API_NAME:
        return _FIELD_BY_API_NAME[api_or_field]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in api_or_field)
    return snake if snake in (*EDITABLE_FIELDS, "business") else None


def add_service_errors(form: forms.Form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            field = _model_field(name.replace("businessId", "business"))
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    elif isinstance(error, DomainError):
        field = _model_field(error.extensions.get("field", "")) if error.extensions else None
        form.add_error(field if field in form.fields else None, error.detail)
    else:
        raise error


class PhoneNumberChangeForm(forms.ModelForm):
    """Edits an existing number; clean() asks phone_number_update_check about the changes."""

    class Meta:
        model = PhoneNumber
        fields = ["business", *EDITABLE_FIELDS]

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user

    def changes(self) -> tuple[dict[str, Any], Any]:
        """(fields, business or UNSET) that differ from the stored number."""
        fields = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in EDITABLE_FIELDS and name in self.cleaned_data
        }
        business = (
            self.cleaned_data["business"] if "business" in self.changed_data else services.UNSET
        )
        return fields, business

    def _post_clean(self):
        # ModelForm would copy the values onto the instance and run full_clean(); here
        # the service writes (with its event) and the database enforces the constraints.
        pass

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        fields, business = self.changes()
        try:
            services.phone_number_update_check(
                phone_number=self.instance,
                acting_user=self.acting_user,
                fields=fields,
                business=business,
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(self, error)
        return cleaned


class PhoneNumberAddForm(forms.ModelForm):
    """A new number: what the API's create takes."""

    number = forms.CharField(help_text="Any common format, e.g. (415) 555-2671.")

    class Meta:
        model = PhoneNumber
        fields = ["number", "name", "business", "enabled"]

    def _post_clean(self):
        pass  # the service validates and writes; see PhoneNumberChangeForm._post_clean

    def clean_number(self) -> str:
        try:
            return normalize_number(self.cleaned_data["number"])
        except InvalidNumber as error:
            raise ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("number")
        if number and not self.errors:
            # A friendly early answer; the service still decides under the unique index.
            existing = PhoneNumber.objects.not_released().filter(number=number).first()
            claimable = existing is not None and existing.inventory_state == "Available"
            if existing is not None and not (claimable and cleaned.get("business")):
                self.add_error(
                    "number",
                    NUMBER_EXISTS.format(number=number, state=existing.inventory_state),
                )
        return cleaned
