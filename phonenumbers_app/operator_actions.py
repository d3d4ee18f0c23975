"""The one table of what an operator can do to a number, shared by /ops/ and the admin.

Each action says how it is labelled, what its confirmation says, which form collects its
input, which service it calls, which permission it needs and why a number is left out
(`why_not`). The /ops/ action pages (one number), /ops/'s bulk actions and the admin's bulk
actions (a selection) are all generated from it, so the doors cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from accounts.models import User
from phonenumbers_app import services
from phonenumbers_app.forms import ConfirmForm, MoveToStateForm, PauseWarmupForm
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.transitions import inventory_state_allowed, move_targets
from phonenumbers_app.vocabularies import WarmupHealthState

Perform = Callable[[PhoneNumber, User, dict[str, Any]], object]
# Why an action leaves a number as it is ("already paused"), or None when it applies.
# `data`: the action's form data; empty when asking whether to offer the action at all.
WhyNot = Callable[[PhoneNumber, dict[str, Any]], "str | None"]

# The fields every why_not reads: a selection loaded with only these is judged without a
# query per number.
WHY_NOT_FIELDS = ("inventory_state", "enabled", "warmup_enabled", "warmup_state")


@dataclass(frozen=True)
class OperatorAction:
    slug: str  # /ops/numbers/<id>/<slug>/
    name: str  # the admin action's name (what its form posts)
    label: str  # a button, the confirmation's title
    bulk_label: str  # the admin's action menu
    form: type[forms.Form]  # what the action asks for (ConfirmForm: nothing)
    perform: Perform  # the service call, for one number
    verb: str  # the admin's summary, "Paused: 3 number(s).", formatted with the form's data
    done: str  # /ops/'s message once done
    confirmation: str  # what the confirmation says will happen
    skip: WhyNot  # the one rule of which numbers it leaves as they are, and why
    done_many: str  # /ops/'s bulk message, formatted with `numbers` ("37 numbers") and data
    do_many: str  # /ops/'s bulk confirmation button, formatted alike
    permission: str = "change"  # the model permission it needs, in every door
    irreversible: bool = False
    skips_released: bool = False  # the admin leaves released numbers of a selection out

    @property
    def asks_first(self) -> bool:
        """Whether the admin shows a confirmation page before acting on a selection."""
        return self.irreversible or bool(self.form.base_fields)

    def why_not(self, number: PhoneNumber, data: dict[str, Any] | None = None) -> str | None:
        """Why this action would leave `number` as it is, or None when it would change it.

        Used by the single-number page (whether to offer it), /ops/'s bulk confirmation
        (what is skipped, grouped by reason) and the admin's bulk actions.
        """
        return self.skip(number, data or {})

    def available(self, number: PhoneNumber) -> bool:
        """Whether the single-number page offers this action for `number`."""
        return self.why_not(number) is None

    def form_for(self, number: PhoneNumber | None, data=None) -> forms.Form:
        """The action's form; for one number, offering only what applies to it (the states
        the transition table allows from its current one)."""
        if self.form is MoveToStateForm and number is not None:
            return MoveToStateForm(data, current=number.inventory_state)
        return self.form(data)

    def codename(self) -> str:
        return f"{PhoneNumber._meta.app_label}.{self.permission}_{PhoneNumber._meta.model_name}"

    def allowed(self, user: User) -> bool:
        return user.has_perm(self.codename())


def _update(**fields: Any) -> Perform:
    def perform(number: PhoneNumber, user: User, data: dict[str, Any]) -> object:
        return services.phone_number_update(phone_number=number, acting_user=user, fields=fields)

    return perform


def _move(number: PhoneNumber, user: User, data: dict[str, Any]) -> object:
    return services.phone_number_update(
        phone_number=number, acting_user=user, fields={"inventory_state": data["inventory_state"]}
    )


def _pause(number: PhoneNumber, user: User, data: dict[str, Any]) -> object:
    return services.phone_number_warmup_pause(
        phone_number=number, acting_user=user, reason=data["reason"]
    )


def _resume(number: PhoneNumber, user: User, data: dict[str, Any]) -> object:
    return services.phone_number_warmup_resume(phone_number=number, acting_user=user)


def _release(number: PhoneNumber, user: User, data: dict[str, Any]) -> object:
    return services.phone_number_release(phone_number=number, acting_user=user)


RELEASED_CANNOT = "released numbers cannot be {verb}"


def _enable_skip(number: PhoneNumber, data: dict[str, Any]) -> str | None:
    if number.is_released:
        return RELEASED_CANNOT.format(verb="enabled")
    return "already enabled" if number.enabled else None


def _disable_skip(number: PhoneNumber, data: dict[str, Any]) -> str | None:
    if number.is_released:
        return RELEASED_CANNOT.format(verb="disabled")
    return None if number.enabled else "already disabled"


def _pause_skip(number: PhoneNumber, data: dict[str, Any]) -> str | None:
    # services.warmup_can_pause is the rule the service enforces under its lock; this
    # only names the reason.
    if number.is_released:
        return RELEASED_CANNOT.format(verb="paused")
    if number.warmup_state == WarmupHealthState.PAUSED:
        return "already paused"
    if not number.warmup_enabled:
        return "warmup is not enabled"
    if not services.warmup_can_pause(number):
        return f"warmup is {number.warmup_state or 'not set'}"
    return None


def _resume_skip(number: PhoneNumber, data: dict[str, Any]) -> str | None:
    if number.is_released:
        return RELEASED_CANNOT.format(verb="resumed")
    return None if services.warmup_can_resume(number) else "warmup is not paused"


def _move_skip(number: PhoneNumber, data: dict[str, Any]) -> str | None:
    current = number.inventory_state
    if number.is_released:
        return RELEASED_CANNOT.format(verb="moved")
    target = data.get("inventory_state")
    if target is None:  # offered when the table allows any move but Release (an action)
        return None if move_targets(current) else f"no move is allowed from {current}"
    if target == current:
        return f"already in {current}"
    if not inventory_state_allowed(current, target):
        return f"{current} → {target} is not allowed"
    return None


def _release_skip(number: PhoneNumber, data: dict[str, Any]) -> str | None:
    return "already released" if number.is_released else None


RELEASE_WARNING = (
    "Releasing cannot be undone. The number stops routing and loses what its business set "
    "up on it (default flag, ids, 10DLC, billing); its history is kept, and the same number "
    "can only come back as a new row."
)

OPERATOR_ACTIONS: tuple[OperatorAction, ...] = (
    OperatorAction(
        slug="enable",
        name="enable",
        label="Enable",
        bulk_label="Enable selected numbers",
        form=ConfirmForm,
        perform=_update(enabled=True),
        verb="Enabled",
        done="Enabled.",
        confirmation="The number routes calls and texts again.",
        skip=_enable_skip,
        done_many="Enabled {numbers}",
        do_many="Enable {numbers}",
    ),
    OperatorAction(
        slug="disable",
        name="disable",
        label="Disable",
        bulk_label="Disable selected numbers",
        form=ConfirmForm,
        perform=_update(enabled=False),
        verb="Disabled",
        done="Disabled.",
        confirmation="The number stops routing calls and texts until it is enabled again; "
        "nothing else about it changes.",
        skip=_disable_skip,
        done_many="Disabled {numbers}",
        do_many="Disable {numbers}",
    ),
    OperatorAction(
        slug="pause-warmup",
        name="pause_warmup",
        label="Pause warmup",
        bulk_label="Pause warmup of selected numbers…",
        form=PauseWarmupForm,
        perform=_pause,
        verb="Paused",
        done="Warmup paused.",
        confirmation="Warmup sends nothing until it is resumed; the reason is shown to "
        "everyone who looks at the number.",
        skip=_pause_skip,
        done_many="Paused warmup on {numbers}",
        do_many="Pause warmup on {numbers}",
    ),
    OperatorAction(
        slug="resume-warmup",
        name="resume_warmup",
        label="Resume warmup",
        bulk_label="Resume warmup of selected numbers",
        form=ConfirmForm,
        perform=_resume,
        verb="Resumed",
        done="Warmup resumed.",
        confirmation="Warmup goes back to the state it was paused in.",
        skip=_resume_skip,
        done_many="Resumed warmup on {numbers}",
        do_many="Resume warmup on {numbers}",
    ),
    OperatorAction(
        slug="move",
        name="move_to_state",
        label="Move to an inventory state",
        bulk_label="Move selected numbers to an inventory state…",
        form=MoveToStateForm,
        perform=_move,
        verb="Moved to {inventory_state}",
        done="Inventory state changed.",
        confirmation="Only the moves the transition table allows are made; any other is "
        "refused with the states allowed next.",
        skip=_move_skip,
        done_many="Moved {numbers} to {inventory_state}",
        do_many="Move {numbers} to {inventory_state}",
    ),
    OperatorAction(
        slug="release",
        name="release",
        label="Release",
        bulk_label="Release selected numbers…",
        form=ConfirmForm,
        perform=_release,
        verb="Released",
        done="Released.",
        confirmation=RELEASE_WARNING,
        skip=_release_skip,
        done_many="Released {numbers}",
        do_many="Release {numbers}",
        irreversible=True,
        skips_released=True,
    ),
)
BY_SLUG = {action.slug: action for action in OPERATOR_ACTIONS}
