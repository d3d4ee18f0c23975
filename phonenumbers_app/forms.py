"""Forms of the operator pages' actions."""

from django import forms

from phonenumbers_app.vocabularies import InventoryState


class ConfirmForm(forms.Form):
    """No input: the confirmation is the POST itself."""


class PauseWarmupForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why warmup is paused; shown to everyone who looks at the number.",
    )


class MoveToStateForm(forms.Form):
    inventory_state = forms.ChoiceField(
        label="New inventory state",
        choices=[(s, s) for s in InventoryState.values if s != InventoryState.RELEASED],
    )
