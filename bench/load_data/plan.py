"""The plan: seeded per-row values, the same in Python and in SQL."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from math import gcd
from typing import Any

from bench.load_data.numbers import FICTIONAL_LINES, LINES_PER_EXCHANGE, area_codes, blocks_for
from bench.load_data.profiles import profiles
from bench.load_data.templates import Template, templates
from bench.load_data.vocabulary import (
    BUSINESS_FIRST,
    BUSINESS_SECOND,
    CREATION_US,
    DAY_US,
    HISTORY_US,
    KIND_BUSINESS,
    KIND_USER,
    LABELS,
    PRIME,
    PROFILE_SLOTS,
    PROVIDER_ID_PREFIX,
    PROVIDERS,
    SALTS,
    SOURCES,
    generated_id,
)
from phonenumbers_app.vocabularies import InventoryState as S


@dataclass
class Result:
    businesses: int
    numbers: int
    ten_dlc: int
    billing: int
    events: int
    seconds: float
    method: str
    seed: int

    @property
    def rows(self) -> int:
        return self.businesses + self.numbers + self.ten_dlc + self.billing + self.events


class ExistingData(Exception):
    """The database holds data the load must not be mixed with."""


@dataclass
class Plan:
    numbers: int
    events_per_number: int
    businesses: int
    seed: int
    now: datetime
    actor_name: str = "Demo Operator"
    user_id: uuid.UUID = field(default_factory=lambda: generated_id(KIND_USER, 1))

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.salts = {
            name: (rng.randrange(1, PRIME), rng.randrange(PRIME), rng.randrange(1 << 30))
            for name in SALTS
        }
        units = [u for u in range(1, PROFILE_SLOTS) if gcd(u, PROFILE_SLOTS) == 1]
        self.perm = units[rng.randrange(len(units))]
        self.start = self.now - timedelta(microseconds=HISTORY_US)
        self.step = CREATION_US // self.numbers
        self.areas = area_codes()
        self.blocks = blocks_for(self.numbers)
        self.profiles = profiles()
        k = self.events_per_number
        self.last_pos = (k - 1) * 1000 // k
        self.templates: dict[int, list[Template]] = {}
        self.business_rows = [self._business(b) for b in range(self.businesses)]

    def use_actor(self, user_id: uuid.UUID, actor_name: str) -> None:
        """The events' actor (baked into the templates' text and data)."""
        self.user_id, self.actor_name = user_id, actor_name
        k = self.events_per_number
        # userId of the events: the numbers' user, never the (staff) actor.
        self.templates = {p.pid: templates(p, k, actor_name, None) for p in self.profiles}

    # --- hashing ---
    def h(self, i: int, salt: str) -> int:
        a, b, c = self.salts[salt]
        x = (i * a + b) % PRIME
        return (x * (x + c)) % PRIME

    def h_sql(self, var: str, salt: str) -> str:
        a, b, c = self.salts[salt]
        x = f"((({var}) * {a} + {b}) % {PRIME})"
        return f"(({x} * ({x} + {c})) % {PRIME})"

    def md5(self, i: int) -> str:
        return hashlib.md5(f"{self.seed}:{i}".encode()).hexdigest()

    # --- businesses ---
    def _business(self, b: int) -> dict[str, Any]:
        n = len(BUSINESS_FIRST) * len(BUSINESS_SECOND)
        first = b % len(BUSINESS_FIRST)
        second = (first + (b // len(BUSINESS_FIRST))) % len(BUSINESS_SECOND)
        name = f"{BUSINESS_FIRST[first]} {BUSINESS_SECOND[second]}"
        if b >= n:
            name += f" {b // n + 1}"
        digest = hashlib.md5(f"{self.seed}:business:{b}".encode()).hexdigest()
        return {
            "idx": b,
            "id": generated_id(KIND_BUSINESS, b),
            "name": name,
            "team_id": f"team_{digest[:8]}",
            "crm_campaign_id": f"cmp_{digest[8:16]}",
            "brand_id": "B" + digest[16:22].upper(),
            "tcr_campaign_id": "C" + digest[22:28].upper(),
            "messaging_profile_id": str(uuid.UUID(digest)),
            "voice_connection_id": str(int(digest[:15], 16)),
            # All businesses exist before the first number of the history.
            "created_at": self.start - timedelta(minutes=self.businesses - b),
        }

    # --- rows ---
    def pid(self, i: int) -> int:
        offset = self.h(i // PROFILE_SLOTS, "perm") % PROFILE_SLOTS
        return (self.perm * (i % PROFILE_SLOTS) + offset) % PROFILE_SLOTS

    def row(self, i: int) -> dict[str, Any]:
        """Everything per row that the column specs read (`r.*` in SQL)."""
        p = self.profiles[self.pid(i)]
        a, fictional = len(self.areas), len(self.areas) * FICTIONAL_LINES
        if i < fictional:
            block, line = i % a, FICTIONAL_LINES + i // a
        else:
            j = i - fictional
            block = (1 + (j // a) // LINES_PER_EXCHANGE) * a + j % a
            line = (j // a) % LINES_PER_EXCHANGE
        blk = self.blocks[block]
        u = self.h(i, "business") % 1_000_000
        bidx = (u * u // 1_000_000) * self.businesses // 1_000_000 if p.owned else None
        label = LABELS[self.h(i, "name") % len(LABELS)]
        created = i * self.step + (self.h(i, "time") * 1_000_003) % self.step
        span = HISTORY_US - created
        last = created + span * self.last_pos // 1000
        provider = PROVIDERS[self.h(i, "provider") % len(PROVIDERS)] if p.has_provider else None
        md5 = self.md5(i)
        return {
            "i": i,
            "pid": p.pid,
            "bidx": bidx,
            "block": block,
            "number": f"+1{blk.area}{blk.exchange}{line:04d}",
            "name": f"{p.name_prefix or label} {blk.area}",
            "pool_name": f"Pool {blk.area}",
            "source": SOURCES[self.h(i, "source") % len(SOURCES)] if p.owned else None,
            "provider": provider,
            "provider_phone_number_id": PROVIDER_ID_PREFIX[provider] + md5[:24]
            if provider
            else None,
            "provider_order_id": "ord_" + md5[8:24] if provider else None,
            "subscription_item_id": "si_" + md5[16:30] if p.owned else None,
            "last_provider_event_id": "evt_" + md5[4:24] if p.submitted else None,
            "preferred": p.may_be_preferred and self.h(i, "preferred") % 20 == 0,
            "created_us": created,
            "span_us": span,
            "last_us": last,
            "modified_us": last if self.events_per_number > 1 else None,
            "synced_us": last + (HISTORY_US - last) // 2 if provider else None,
            "released_us": last if p.inventory_state == S.RELEASED else None,
            "tendlc_us": created + span // 2 if p.submitted else None,
            "next_us": (
                HISTORY_US + (self.h(i, "next_action") * 80) % (2 * DAY_US)
                if p.has_next_action
                else None
            ),
            "score": p.score_lo + self.h(i, "score") % (p.score_hi - p.score_lo + 1),
            "progress": p.progress_lo + self.h(i, "progress") % (p.progress_hi - p.progress_lo + 1),
        }

    def row_sql(self) -> str:
        """SELECT of the same values as `row`, for every i, as table load_row."""
        a, fictional = len(self.areas), len(self.areas) * FICTIONAL_LINES
        n = self.numbers
        j = f"(i - {fictional})"
        u = f"({self.h_sql('s.i', 'business')} % 1000000)"

        def pick(values: tuple[str, ...], salt: str) -> str:
            array = "ARRAY[" + ", ".join(sql_literal(v) for v in values) + "]"
            return f"({array})[{self.h_sql('s.i', salt)} % {len(values)} + 1]"

        md5 = "md5(" + sql_literal(f"{self.seed}:") + " || s.i::text)"
        last = f"(t.created_us + t.span_us * {self.last_pos} / 1000)"
        prefixes = " ".join(
            f"WHEN t.prov = {sql_literal(k)} THEN {sql_literal(v)}"
            for k, v in PROVIDER_ID_PREFIX.items()
        )
        modified = "NULL::bigint" if self.events_per_number == 1 else last
        labels, sources, providers = (
            pick(LABELS, "name"),
            pick(SOURCES, "source"),
            pick(PROVIDERS, "provider"),
        )
        released = sql_literal(S.RELEASED)
        created_i = f"(i * {self.step} + ({self.h_sql('i', 'time')} * 1000003) % {self.step})"
        pid = (
            f"(({self.perm} * (i % {PROFILE_SLOTS}) + "
            f"{self.h_sql(f'i / {PROFILE_SLOTS}', 'perm')} % {PROFILE_SLOTS}) % {PROFILE_SLOTS})"
        )
        return f"""
            SELECT t.*,
                CASE WHEN t.prov IS NOT NULL THEN (CASE {prefixes} END) || substr(t.md5, 1, 24) END
                    AS provider_phone_number_id,
                CASE WHEN t.prov IS NOT NULL THEN 'ord_' || substr(t.md5, 9, 16) END
                    AS provider_order_id,
                CASE WHEN t.owned THEN 'si_' || substr(t.md5, 17, 14) END AS subscription_item_id,
                CASE WHEN t.submitted THEN 'evt_' || substr(t.md5, 5, 20) END
                    AS last_provider_event_id,
                {last} AS last_us,
                {modified} AS modified_us,
                CASE WHEN t.prov IS NOT NULL THEN {last} + ({HISTORY_US} - {last}) / 2 END
                    AS synced_us,
                CASE WHEN t.released THEN {last} END AS released_us,
                CASE WHEN t.submitted THEN t.created_us + t.span_us / 2 END AS tendlc_us
            FROM (
                SELECT s.i, s.pid, s.block,
                    CASE WHEN p.owned THEN ({u} * {u} / 1000000) * {self.businesses} / 1000000 END
                        AS bidx,
                    '+1' || k.area || k.exchange || lpad(s.line::text, 4, '0') AS number,
                    COALESCE(p.name_prefix, {labels}) || ' ' || k.area AS name,
                    'Pool ' || k.area AS pool_name,
                    CASE WHEN p.owned THEN {sources} END AS source,
                    CASE WHEN p.has_provider THEN {providers} END AS prov,
                    {md5} AS md5,
                    p.owned, p.submitted, p.inventory_state = {released} AS released,
                    p.may_be_preferred AND {self.h_sql("s.i", "preferred")} % 20 = 0 AS preferred,
                    s.created_us,
                    {HISTORY_US} - s.created_us AS span_us,
                    CASE WHEN p.has_next_action
                        THEN {HISTORY_US} + ({self.h_sql("s.i", "next_action")} * 80) % {2 * DAY_US}
                    END AS next_us,
                    p.score_lo + {self.h_sql("s.i", "score")}
                        % (p.score_hi - p.score_lo + 1) AS score,
                    p.progress_lo + {self.h_sql("s.i", "progress")}
                        % (p.progress_hi - p.progress_lo + 1) AS progress
                FROM (
                    SELECT i, {pid} AS pid,
                        CASE WHEN i < {fictional} THEN i % {a}
                            ELSE (1 + ({j} / {a}) / {LINES_PER_EXCHANGE}) * {a} + {j} % {a} END
                            AS block,
                        CASE WHEN i < {fictional} THEN {FICTIONAL_LINES} + i / {a}
                            ELSE ({j} / {a}) % {LINES_PER_EXCHANGE} END AS line,
                        {created_i} AS created_us
                    FROM generate_series(0::bigint, {n - 1}::bigint) AS g(i)
                ) s
                JOIN load_profile p ON p.pid = s.pid
                JOIN load_block k ON k.block = s.block
            ) t
        """


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, uuid.UUID):
        return f"'{value}'::uuid"
    return "'" + str(value).replace("'", "''") + "'"


def phase(log: Callable[[str], None], label: str, rows: int | None, work: Callable[[], Any]):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    count = f"{rows:,} rows " if rows is not None else ""
    log(f"  {label}: {count}in {seconds:.1f} s")
    return result
