"""/ops/'s bulk actions: an operator action on the numbers ticked on the list, or on every
number the list's filter matches, behind a confirmation page that says what will change
and what will be skipped, and why.

POST /ops/numbers/bulk/ with `action` (an operator_actions slug), `scope` (`selected`,
with repeated `ids`; or `matching`, with `query`, the list's query string) and the action's
form fields. Without `confirmed`: the confirmation page. With `confirmed=1`: the selection
is resolved (frozen) and run through services/bulk.py, in the request up to INLINE_LIMIT
numbers, on the workers beyond (with a progress page, /ops/bulk/<run id>/).
"""

from __future__ import annotations

import operator
import uuid
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from phonenumbers_app import selectors, tasks
from phonenumbers_app.models import BulkActionRun, PhoneNumber
from phonenumbers_app.operator_actions import BY_SLUG, WHY_NOT_FIELDS, OperatorAction
from phonenumbers_app.pages.query import filled
from phonenumbers_app.services import bulk

# Up to this many numbers a bulk action runs in the request; beyond, on the workers in
# chunks of bulk.CHUNK_SIZE. Measured on PostgreSQL: 500 pauses took 7.9 s in one request
# (each a locked read, a write and an event: ~16 ms), too long to wait for; 100, ~1.6 s.
INLINE_LIMIT = 100
# "All matching" takes at most this many numbers: a larger selection is most likely a
# filter left out. The confirmation page of 100,000 took 1.3 s on PostgreSQL (_preview).
MATCHING_LIMIT = 100_000
# Numbers listed per group on the confirmation page (the counts are always complete).
SHOWN_PER_GROUP = 50


class BadSelection(Exception):
    """The selection cannot be acted on; the message says what to do instead."""


@dataclass
class Group:
    """Numbers the action treats alike: those it changes (reason None), or those it skips
    for one reason."""

    reason: str | None
    count: int = 0
    shown: list[PhoneNumber] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


@dataclass(frozen=True)
class Selection:
    scope: str
    ids: list[uuid.UUID]  # `selected`: as sent (deduplicated)
    query: str  # the list's query string, for `matching` and the way back
    numbers: QuerySet[PhoneNumber]

    @property
    def list_url(self) -> str:
        return reverse("ops:numbers") + (f"?{self.query}" if self.query else "")


@staff_member_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    action = BY_SLUG.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponseBadRequest("Unknown action: nothing was changed.")
    if not action.allowed(request.user):
        raise PermissionDenied
    query = request.POST.get("query", "")
    try:
        selection = _selection(request, query)
    except BadSelection as error:
        messages.error(request, str(error))
        return redirect(reverse("ops:numbers") + (f"?{query}" if query else ""))
    except ValueError:
        return HttpResponseBadRequest("The selection's ids are not valid: nothing was changed.")

    form = _form(action, request.POST)
    confirmed = request.POST.get("confirmed") == "1"
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if confirmed and form.is_valid():
        return _perform(request, action, selection, data)

    try:
        changes, skips = _preview(action, selection, data)
    except BadSelection as error:
        messages.error(request, str(error))
        return redirect(selection.list_url)
    return render(
        request,
        "phonenumbers_app/bulk_confirm.html",
        {
            "action": action,
            "form": form,
            "selection": selection,
            "changes": changes,
            "skips": skips,
            "skipped": sum(group.count for group in skips),
            # Move asks for its target before it can say what changes, and says it again
            # for another target.
            "ready": not _needs_preview(action, form, data),
            "recheck": action.slug == "move",
            "button": _button(action, changes.count, data) if changes.count else "",
            "total": changes.count + sum(group.count for group in skips),
        },
    )


@staff_member_required
def bulk_run(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    run = BulkActionRun.objects.select_related("user").filter(pk=id).first()
    if run is None:
        raise Http404
    action = BY_SLUG.get(run.action)
    return render(
        request,
        "phonenumbers_app/bulk_run.html",
        {
            "run": run,
            "action": action,
            "summary": summary(run),
            "details": _details(action, run.data),
            "list_url": reverse("ops:numbers") + (f"?{run.query}" if run.query else ""),
            "percent": round(100 * run.processed / run.total) if run.total else 100,
        },
    )


def _details(action: OperatorAction | None, data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The action's input by its form's labels: ("Reason", "Carrier complaint")."""
    fields = action.form.base_fields if action else {}
    return [
        (getattr(fields.get(name), "label", None) or name.replace("_", " ").capitalize(), value)
        for name, value in data.items()
    ]


def summary(run: BulkActionRun) -> str:
    """ "Paused warmup on 37 numbers; 3 skipped (already paused)"."""
    action = BY_SLUG[run.action]
    text = action.done_many.format(numbers=_numbers(run.done), **run.data)
    if run.skipped:
        reasons = list(run.skipped_reasons.items())
        if len(reasons) == 1:
            why = reasons[0][0]
        else:
            why = ", ".join(f"{count:,} {reason}" for reason, count in reasons)
        text += f"; {run.skipped:,} skipped ({why})"
    if run.failed:
        text += f"; {run.failed:,} failed"
    return text + "."


def _button(action: OperatorAction, count: int, data: dict[str, Any]) -> str:
    """ "Pause warmup on 37 numbers"; "Yes, release 3 numbers" for what cannot be undone."""
    try:
        text = action.do_many.format(numbers=_numbers(count), **data)
    except KeyError:  # the form's data is not there yet (Move before its state)
        return ""
    return f"Yes, {text[0].lower()}{text[1:]}" if action.irreversible else text


def _numbers(count: int) -> str:
    return f"{count:,} number{'' if count == 1 else 's'}"


def _form(action: OperatorAction, post: QueryDict) -> forms.Form:
    """The action's form for a selection (all its choices; each number is checked by the
    rule), bound once the operator has sent any of its fields."""
    sent = any(name in post for name in action.form.base_fields)
    return action.form_for(None, post if sent or post.get("confirmed") == "1" else None)


def _needs_preview(action: OperatorAction, form: forms.Form, data: dict[str, Any]) -> bool:
    return bool(action.form.base_fields) and not data and action.slug == "move"


def _selection(request: HttpRequest, query: str) -> Selection:
    scope = request.POST.get("scope")
    if scope == "selected":
        ids = list(dict.fromkeys(uuid.UUID(value) for value in request.POST.getlist("ids")))
        if not ids:
            raise BadSelection("Select at least one number, or all matching numbers.")
        if len(ids) > MATCHING_LIMIT:
            raise BadSelection(_too_many())
        numbers = selectors.ops_bulk_selection(user=request.user, ids=ids)
        return Selection(scope=scope, ids=ids, query=query, numbers=numbers)
    if scope == "matching":
        try:
            numbers = selectors.ops_bulk_selection(
                user=request.user, params=filled(QueryDict(query))
            )
        except ValidationError as error:
            raise BadSelection(
                "The list's filter is not valid: " + "; ".join(error.messages)
            ) from error
        return Selection(scope=scope, ids=[], query=query, numbers=numbers)
    raise BadSelection("Choose the numbers: the ones ticked, or all matching.")


def _frozen_ids(selection: Selection) -> list[uuid.UUID]:
    """The numbers the run takes, resolved now: ids that match later are not touched."""
    if selection.scope == "selected":
        return selection.ids  # those not found are skipped, and counted, by the run
    ids = list(selection.numbers.values_list("pk", flat=True)[: MATCHING_LIMIT + 1])
    if len(ids) > MATCHING_LIMIT:
        raise BadSelection(_too_many())
    return ids


def _too_many() -> str:
    return (
        f"More than {MATCHING_LIMIT:,} numbers match: a bulk action takes at most "
        f"{MATCHING_LIMIT:,} at a time. Narrow the filter (a business, a state, dates) "
        "and run it on each part."
    )


def _preview(
    action: OperatorAction, selection: Selection, data: dict[str, Any]
) -> tuple[Group, list[Group]]:
    """What the action would change and what it would skip, by reason, judged by its rule
    (operator_actions: why_not).

    The rule reads only WHY_NOT_FIELDS, so it is asked once per combination of their
    values (a count grouped by them), not once per number: 100,000 numbers are one
    grouped count and a page of each group, not 100,000 rows read into Python.
    """
    if selection.scope == "matching" and _over_the_limit(selection.numbers):
        raise BadSelection(_too_many())
    combinations = (
        selection.numbers.order_by()
        .values(*WHY_NOT_FIELDS)
        .annotate(numbers=Count("pk"))
        .order_by(*WHY_NOT_FIELDS)
    )
    groups: dict[str | None, Group] = {}
    conditions: dict[str | None, list[Q]] = {}
    found = 0
    for combination in combinations:
        count = combination.pop("numbers")
        found += count
        reason = action.why_not(PhoneNumber(**combination), data)
        groups.setdefault(reason, Group(reason=reason)).count += count
        conditions.setdefault(reason, []).append(Q(**combination))
    for reason, group in groups.items():
        group.shown = list(
            selection.numbers.filter(reduce(operator.or_, conditions[reason]))[:SHOWN_PER_GROUP]
        )
    if selection.scope == "selected" and found < len(selection.ids):
        groups[bulk.NOT_FOUND] = Group(reason=bulk.NOT_FOUND, count=len(selection.ids) - found)
    changes = groups.pop(None, Group(reason=None))
    return changes, sorted(groups.values(), key=lambda group: -group.count)


def _over_the_limit(numbers: QuerySet[PhoneNumber]) -> bool:
    return bool(numbers.values_list("pk", flat=True)[MATCHING_LIMIT : MATCHING_LIMIT + 1])


def _perform(
    request: HttpRequest, action: OperatorAction, selection: Selection, data: dict[str, Any]
) -> HttpResponse:
    try:
        ids = _frozen_ids(selection)
    except BadSelection as error:
        messages.error(request, str(error))
        return redirect(selection.list_url)
    run = bulk.bulk_run_start(
        user=request.user, action=action, data=data, query=selection.query, ids=ids
    )
    if len(ids) <= INLINE_LIMIT:
        run = bulk.bulk_run_chunk(run_id=run.pk, index=0, ids=ids)
        level = messages.WARNING if run.failed else messages.SUCCESS
        messages.add_message(request, level, summary(run))
        for error in run.errors[:10]:
            messages.warning(request, f"Not changed: {error}")
        return redirect(selection.list_url)
    try:
        tasks.bulk_action_send(run, ids)
    except Exception as error:  # the broker is down: say so rather than leave it "running"
        bulk.bulk_run_fail(run_id=run.pk, error=f"Could not reach the workers: {error}")
        messages.error(request, "The workers could not be reached; nothing was changed.")
        return redirect(selection.list_url)
    return redirect("ops:bulk-run", id=run.pk)
