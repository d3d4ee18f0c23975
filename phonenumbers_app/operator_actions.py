"""The one table of what an operator can do to a number, shared by /ops/ and the admin.

Each action says how it is labelled, what its confirmation says, which form collects its
input, which service it calls and which permission it needs. The /ops/ action pages (one
number) and the admin's bulk actions (a selection) are both generated from it, so the two
doors cannot drift apart.
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

Perform = Callable[[PhoneNumber, User, dict[str, Any]], object]


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
    available: Callable[[PhoneNumber], bool]  # whether /ops/ offers it for this number
    permission: str = "change"  # the model permission it needs, in both doors
    irreversible: bool = False
    skips_released: bool = False  # the admin leaves released numbers of a selection out

    @property
    def asks_first(self) -> bool:
        """Whether the admin shows a confirmation page before acting on a selection."""
        return self.irreversible or bool(self.form.base_fields)

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


def _live(number: PhoneNumber) -> bool:
    return not number.is_released


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
        available=lambda n: _live(n) and not n.enabled,
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
        available=lambda n: _live(n) and n.enabled,
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
        available=services.warmup_can_pause,
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
        available=services.warmup_can_resume,
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
        available=_live,
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
        available=_live,
        irreversible=True,
        skips_released=True,
    ),
)
BY_SLUG = {action.slug: action for action in OPERATOR_ACTIONS}
