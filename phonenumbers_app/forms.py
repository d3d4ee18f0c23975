"""Forms of the operator pages' actions."""

from django import forms

from phonenumbers_app.transitions import move_targets
from phonenumbers_app.vocabularies import InventoryState


class ConfirmForm(forms.Form):
    """No input: the confirmation is the POST itself."""


class PauseWarmupForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why warmup is paused; shown to everyone who looks at the number.",
    )


class TargetStateField(forms.ChoiceField):
    """The states offered; the number's current state is accepted too (not offered), so
    that a stale or hand-made request to stay put is answered "already in X", not as an
    error."""

    current: str | None = None

    def valid_value(self, value) -> bool:
        return value == self.current or super().valid_value(value)


class MoveToStateForm(forms.Form):
    """Every state but Released (its own action) for a selection; for one number
    (`current`), only the states the transition table allows from its current one."""

    inventory_state = TargetStateField(
        label="New inventory state",
        choices=[(s, s) for s in InventoryState.values if s != InventoryState.RELEASED],
    )

    def __init__(self, *args, current: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if current is not None:
            field = self.fields["inventory_state"]
            targets = move_targets(current)
            field.choices = [(s, s) for s in targets]
            field.current = current
            field.help_text = f"The moves the transition table allows from {current}."
            allowed = ", ".join(targets) or "none"
            field.error_messages["invalid_choice"] = (
                f"A number cannot move from {current} to %(value)s; allowed: {allowed}."
            )
