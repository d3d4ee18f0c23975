"""The /ops forms of webhook endpoints. They only gather what the operator typed; the
services decide what is valid (webhooks/services.py), and their refusals are put back on
the form's fields (`errors_from`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from webhooks import catalog, services
from webhooks.models import URL_MAX_LENGTH

# The services' field names (the API's) → the forms'.
_FIELDS = {
    "url": "url",
    "eventTypes": "event_types",
    "event_types": "event_types",
    "description": "description",
    "graceSeconds": "grace_seconds",
    "eventType": "event_type",
}


def errors_from(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: each message on its field, the rest above."""
    for field, messages in error.message_dict.items():
        name = _FIELDS.get(field)
        form.add_error(name if name in form.fields else None, messages)


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=URL_MAX_LENGTH,
        help_text="Where events are POSTed: a public https:// address.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/inventory"}),
    )
    event_types = forms.MultipleChoiceField(
        label="Event types",
        required=False,
        choices=[(t, t) for t in catalog.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="None checked: every type, including types added later.",
    )
    description = forms.CharField(
        max_length=services.DESCRIPTION_MAX_LENGTH,
        required=False,
        help_text="For people: whose system this is, who to call when it fails.",
    )

    def type_options(self) -> list[tuple[Any, str]]:
        """Each event type's checkbox beside the catalog's sentence about it."""
        return list(zip(self["event_types"], catalog.EVENT_TYPES.values(), strict=True))

    def chosen_types(self) -> list[str] | None:
        """The checked types; None when none is checked (all types)."""
        return list(self.cleaned_data["event_types"]) or None


class RotateForm(forms.Form):
    grace_seconds = forms.IntegerField(
        label="Grace period (seconds)",
        min_value=0,
        max_value=services.MAX_GRACE_SECONDS,
        initial=services.DEFAULT_GRACE_SECONDS,
        help_text="How long the current secret signs too, beside the new one, so the "
        "receiver can switch without missing a message (0: it stops at once; at most "
        f"{services.MAX_GRACE_SECONDS:,} s, a week).",
    )


class SampleEventForm(forms.Form):
    """ "Send a test event": a sample of one of the types the endpoint wants."""

    event_type = forms.ChoiceField(label="Event type")

    def __init__(self, *args: Any, event_types: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = event_types or list(catalog.EVENT_TYPES)
        self.fields["event_type"].choices = [(t, t) for t in types]
