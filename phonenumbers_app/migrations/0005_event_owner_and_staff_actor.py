"""Each event records the business that owned the number when it happened, and whether
its actor was staff; staff are no longer recorded as the user a number belongs to.

Existing rows are filled as well as the trail allows (set-based on PostgreSQL, by walking
the trails in Python on SQLite; both give the same result):
1. every event gets its number's current business (right for every number that never
   changed owner, which is most of them);
2. numbers whose trail shows a change of owner (an event whose before → after data
   names `businessId`) are walked oldest first: the owner is followed through those
   changes, and each event gets the owner after it, or the one before it when the
   change left the number in the pool (so "Returned to the inventory pool" stays with
   the business it left). Events older than the trail's first recorded owner keep the
   business that change started from;
3. `actor_is_staff` is the actor's staff flag today (events whose actor was deleted
   stay false: their name is all that is left);
4. numbers and billing rows that name a staff member as their user lose it (tenants
   saw staff identities there): a staff member is never the user a number is for.
"""

from itertools import groupby

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery

CHUNK = 2000


def _owner_change(data: dict) -> tuple[bool, str | None, str | None]:
    """(whether `data` records a change of owner, owner before, owner after)."""
    before, after = data.get("before") or {}, data.get("after") or {}
    if "businessId" in before or ("businessId" in after and "number" not in after):
        return True, before.get("businessId"), after.get("businessId")
    return False, None, None


def fill(apps, schema_editor):
    PhoneNumber = apps.get_model("phonenumbers_app", "PhoneNumber")
    Event = apps.get_model("phonenumbers_app", "PhoneNumberEvent")
    Billing = apps.get_model("phonenumbers_app", "Billing")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))

    if schema_editor.connection.vendor == "postgresql":
        _fill_set_based(schema_editor, Event, PhoneNumber, User)
    else:
        owner = PhoneNumber.objects.filter(pk=OuterRef("phone_number_id")).values("business_id")
        Event.objects.update(business_id=Subquery(owner[:1]))
        moved = (
            Event.objects.filter(Q(data__before__has_key="businessId"))
            .values_list("phone_number_id", flat=True)
            .distinct()
        )
        for start in range(0, len(moved_ids := list(moved)), CHUNK):
            _walk(Event, moved_ids[start : start + CHUNK])
        staff = User.objects.filter(is_staff=True).values("pk")
        Event.objects.filter(actor_id__in=staff).update(actor_is_staff=True)

    staff = User.objects.filter(is_staff=True).values("pk")
    PhoneNumber.objects.filter(user_id__in=staff).update(user_id=None)
    Billing.objects.filter(user_id__in=staff).update(user_id=None)


def _fill_set_based(schema_editor, Event, PhoneNumber, User) -> None:
    """Steps 1-3 in one UPDATE (each event written once): a window counts each number's
    changes of owner up to every event; an event takes the owner after the change it
    follows, the owner before the first change, or its number's when there is none.
    Minutes for millions of events, where the row-by-row walk took hours."""
    quote = schema_editor.quote_name
    events, numbers = quote(Event._meta.db_table), quote(PhoneNumber._meta.db_table)
    users = quote(User._meta.db_table)
    schema_editor.execute(
        f"""
        WITH e AS (
            SELECT ev.id, ev.phone_number_id, COALESCE(u.is_staff, FALSE) AS by_staff,
                COALESCE(ev.data -> 'before' ? 'businessId', FALSE) AS is_change,
                (ev.data -> 'before' ->> 'businessId')::uuid AS owner_before,
                (ev.data -> 'after' ->> 'businessId')::uuid AS owner_after,
                count(*) FILTER (WHERE ev.data -> 'before' ? 'businessId') OVER (
                    PARTITION BY ev.phone_number_id ORDER BY ev.created_at, ev.id
                ) AS changes_so_far
            FROM {events} ev LEFT JOIN {users} u ON u.id = ev.actor_id
        ), c AS (
            SELECT phone_number_id, changes_so_far, owner_before, owner_after
            FROM e WHERE is_change
        )
        UPDATE {events} ev SET
            actor_is_staff = e.by_staff,
            business_id = CASE
                WHEN e.is_change THEN COALESCE(e.owner_after, e.owner_before)
                WHEN c.phone_number_id IS NULL THEN n.business_id
                WHEN e.changes_so_far = 0 THEN c.owner_before
                ELSE c.owner_after
            END
        FROM e
        JOIN {numbers} n ON n.id = e.phone_number_id
        LEFT JOIN c ON c.phone_number_id = e.phone_number_id
            AND c.changes_so_far = GREATEST(e.changes_so_far, 1)
        WHERE ev.id = e.id
        """
    )


def _walk(Event, number_ids) -> None:
    events = Event.objects.filter(phone_number_id__in=number_ids).order_by(
        "phone_number_id", "created_at", "id"
    )
    changed = []
    rows = events.only("id", "phone_number_id", "data", "business_id").iterator()
    for _, trail in groupby(rows, key=lambda event: event.phone_number_id):
        trail = list(trail)
        changes = [_owner_change(event.data or {}) for event in trail]
        # Before its first recorded change, a number belonged to what that change left.
        owner = next((before for is_change, before, _ in changes if is_change), None)
        for event, (is_change, before, after) in zip(trail, changes, strict=True):
            business = owner
            if is_change:
                business, owner = after or before, after
            business = str(business) if business else None
            if business != (str(event.business_id) if event.business_id else None):
                event.business_id = business
                changed.append(event)
    Event.objects.bulk_update(changed, ["business_id"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0001_initial"),
        ("phonenumbers_app", "0004_fk_indexes_without_nulls"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="phonenumberevent",
            name="event_type_valid",
        ),
        migrations.AddConstraint(
            model_name="phonenumberevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "type__in",
                        [
                            "created",
                            "assigned",
                            "unassigned",
                            "imported",
                            "updated",
                            "state_changed",
                            "warmup_paused",
                            "warmup_resumed",
                            "released",
                        ],
                    )
                ),
                name="event_type_valid",
            ),
        ),
        migrations.AddField(
            model_name="phonenumberevent",
            name="actor_is_staff",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="phonenumberevent",
            name="business",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="businesses.business",
            ),
        ),
        migrations.AlterField(
            model_name="phonenumberevent",
            name="type",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("assigned", "Assigned to a business"),
                    ("unassigned", "Left a business"),
                    ("imported", "Imported"),
                    ("updated", "Updated"),
                    ("state_changed", "State changed"),
                    ("warmup_paused", "Warmup paused"),
                    ("warmup_resumed", "Warmup resumed"),
                    ("released", "Released"),
                ],
                max_length=32,
            ),
        ),
        # Last: on PostgreSQL the filled foreign keys leave trigger events pending until
        # the migration's transaction commits, and no ALTER TABLE may run on the table
        # before then (the index is built in 0006).
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
