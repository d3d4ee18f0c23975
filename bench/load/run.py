"""Load and fault run: the whole system on this machine under an open-loop mix of tenant
traffic, with a web worker, the Celery worker and Redis killed on a timeline; then a
check, against the database and the webhook receiver, that nothing acknowledged was lost
or duplicated.

    .venv/bin/python bench/load/run.py --duration 600 --rate 60        # the 10-minute run
    .venv/bin/python bench/load/run.py --duration 120 --rate 40        # faults compressed
    .venv/bin/python bench/load/run.py --find-rate                     # 1-minute steps up
    .venv/bin/python bench/load/run.py --no-faults --rate 80

Everything is its own: a PostgreSQL database (`--database`, dropped and created), a
redis-server on `--redis-port` (no persistence), gunicorn (production settings,
`-c gunicorn.conf.py` when the project has one), one Celery worker and beat on that
Redis, and a webhook receiver (bench/load/receiver.py). Every child runs in its own
process group and is stopped on exit or Ctrl-C. Logs, the acknowledgements (acks.json)
and every request's timing (samples.csv) go to var/load/; the Markdown report is printed
and written to bench/load/last-report.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
VAR = ROOT / "var" / "load"
BIN = ROOT / ".venv" / "bin"

# The answers a correct system gives this mix under load: a claim from an empty pool or an
# idempotent retry still running (409), a deliberately stale If-Match (412), the noisy
# tenant past its rate limit (429). Anything else outside 2xx is an error.
EXPECTED = {409, 412, 429}
P99_BOUND_MS = 250.0

MIX = {  # operation: share of the scheduled operations
    "list": 0.30,
    "create": 0.08,
    "claim": 0.05,
    "patch": 0.15,  # a GET for the ETag, then the PATCH (10% also a stale PATCH: 412)
    "outcomes": 0.22,  # batches of 5, a tenth of the items repeats of acknowledged ones
    "inbound": 0.20,  # signed simulated-provider webhooks, a tenth of them sent again
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (600)")
    parser.add_argument("--rate", type=float, default=60, help="operations per second (60)")
    parser.add_argument("--no-faults", action="store_true", help="no kills, no Redis stop")
    parser.add_argument("--find-rate", action="store_true", help="raise the rate in steps")
    parser.add_argument("--start-rate", type=float, default=10, help="--find-rate: first (10)")
    parser.add_argument("--rate-step", type=float, default=10, help="--find-rate: step (10)")
    parser.add_argument("--step-seconds", type=float, default=60, help="--find-rate (60)")
    parser.add_argument("--max-rate", type=float, default=200, help="--find-rate: last (200)")
    # Fault times: seconds from the start of the load; default 25%, 45% and 65% of it
    # (2:30, 4:30 and 6:30 of a 10-minute run).
    parser.add_argument("--kill-web-at", type=float, help="kill -9 one gunicorn worker")
    parser.add_argument("--kill-celery-at", type=float, help="kill -9 the Celery worker")
    parser.add_argument("--celery-down", type=float, default=10, help="until restart (10 s)")
    parser.add_argument("--stop-redis-at", type=float, help="stop Redis")
    parser.add_argument("--redis-down", type=float, default=30, help="until restart (30 s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery processes (2)")
    parser.add_argument("--database", default="loadrun", help="PostgreSQL database (loadrun)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server")
    parser.add_argument("--port", type=int, default=8741, help="gunicorn (8741)")
    parser.add_argument("--receiver-port", type=int, default=8742, help="receiver (8742)")
    parser.add_argument("--redis-port", type=int, default=6391, help="its own Redis (6391)")
    parser.add_argument("--businesses", type=int, default=4)
    parser.add_argument("--keys-per-business", type=int, default=40, help="one user each")
    parser.add_argument("--rate-limit", default="300/min", help="API_RATE_LIMIT (300/min)")
    parser.add_argument("--noisy-rate", type=float, default=10, help="one key's lists/s (10)")
    parser.add_argument("--receiver-fail", type=float, default=0.02, help="first-try 500s")
    parser.add_argument("--settle-timeout", type=float, default=300, help="seconds (300)")
    parser.add_argument("--report", default=str(HERE / "last-report.md"))
    args = parser.parse_args()
    if args.find_rate:
        args.no_faults = True
        steps = int((args.max_rate - args.start_rate) // args.rate_step) + 1
        args.duration = steps * args.step_seconds
    for name, share in (("kill_web_at", 0.25), ("kill_celery_at", 0.45), ("stop_redis_at", 0.65)):
        if getattr(args, name) is None:
            setattr(args, name, args.duration * share)
    return args


# --- Children ---------------------------------------------------------------------


class Children:
    """The processes this run started, each in a process group of its own."""

    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict, log: Path) -> subprocess.Popen:
        handle = open(log, "ab")  # noqa: SIM115 (the child's for its life)
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)


def wait_port(port: int, path: str | None = None, tries: int = 150) -> None:
    import http.client
    import socket

    for _ in range(tries):
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


def child_pids(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def serving(pids: list[int], port: int) -> dict[int, set[str]]:
    """Those of `pids` holding established connections on `port`, with the sockets'
    inodes (a sync gunicorn worker holds one only while it serves a request)."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    established.add(fields[9])
    found: dict[int, set[str]] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in established:
                    found.setdefault(pid, set()).add(link[8:-1])
    return found


@dataclass
class System:
    args: argparse.Namespace
    env: dict
    children: Children = field(default_factory=Children)

    def start_redis(self) -> None:
        argv = [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(self.args.redis_port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
        ]
        self.children.start("redis", argv, self.env, VAR / "redis.log")
        wait_port(self.args.redis_port)

    def start_web(self) -> None:
        argv = [str(BIN / "gunicorn"), "config.wsgi"]
        if (ROOT / "gunicorn.conf.py").exists():
            argv += ["-c", "gunicorn.conf.py"]
        argv += [
            *("--bind", f"127.0.0.1:{self.args.port}", "--workers", str(self.args.workers)),
            *("--timeout", "30", "--log-level", "warning"),
        ]
        self.children.start("web", argv, self.env, VAR / "gunicorn.log")
        wait_port(self.args.port, "/healthz")

    def start_worker(self) -> None:
        argv = [
            *(str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "WARNING"),
            *("--concurrency", str(self.args.concurrency), "--without-gossip"),
            *("--without-mingle", "--without-heartbeat", "--hostname", "load@%h"),
        ]
        self.children.start("worker", argv, self.env, VAR / "worker.log")

    def start_beat(self) -> None:
        argv = [
            *(str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "WARNING"),
            *("--schedule", str(VAR / "celerybeat-schedule")),
        ]
        self.children.start("beat", argv, self.env, VAR / "beat.log")

    def start_receiver(self, secrets_file: Path, record: Path) -> None:
        argv = [
            *(sys.executable, str(HERE / "receiver.py"), str(self.args.receiver_port)),
            *(str(secrets_file), str(record), str(self.args.receiver_fail)),
        ]
        self.children.start("receiver", argv, self.env, VAR / "receiver.log")
        wait_port(self.args.receiver_port)

    def kill_web_worker(self) -> str:
        """kill -9 a gunicorn worker, one in the middle of a request if one is found
        within 10 s (an idle one's death would show nothing)."""
        workers = child_pids(self.children.running["web"].pid)
        if not workers:
            return "no gunicorn worker found"
        # The same connection seen twice 10 ms apart: a request being worked on, not one
        # whose answer is already out (the client would not notice that kill).
        deadline = time.monotonic() + 10
        busy: list[int] = []
        before = serving(workers, self.args.port)
        while not busy and time.monotonic() < deadline:
            time.sleep(0.01)
            now = serving(workers, self.args.port)
            busy = [pid for pid, inodes in now.items() if inodes & before.get(pid, set())]
            before = now
        victim = busy[0] if busy else random.choice(workers)
        os.kill(victim, signal.SIGKILL)
        what = "while it served a request" if busy else "idle"
        return f"kill -9 gunicorn worker {victim} ({what}; {len(workers)} workers)"


def environment(args: argparse.Namespace, signing_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        # One key for this process (which encrypts the endpoints' secrets) and the children.
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"{args.pg}/{args.database}",
        REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        WEBHOOK_ALLOW_LOCAL_TARGETS="1",
        SIMULATED_PROVIDER="1",
        SIMULATED_PROVIDER_SIGNING_KEY=signing_key,
        API_RATE_LIMIT=args.rate_limit,
        LOG_LEVEL="WARNING",
        CELERY_DATA_DIR=str(VAR / "celery"),
        PYTHONUNBUFFERED="1",
    )
    return env


def fresh_database(args: argparse.Namespace) -> None:
    import psycopg

    # Connecting to template1 only to drop and create this run's own database.
    with psycopg.connect(f"{args.pg}/template1", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{args.database}"')


# --- Seed -------------------------------------------------------------------------


def number_supply():
    """Valid US numbers, lazily, in an order unlike the other benches' (no collision with
    a database they filled does not matter here: the database is this run's own)."""
    import phonenumbers

    for area in (201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217):
        for line in range(2_000_000, 10_000_000, 613):
            candidate = f"+1{area}{line}"
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
                yield candidate


@dataclass
class Tenant:
    business_id: str
    keys: list[str]
    patch_targets: list[str]  # number ids only the PATCHes touch
    traffic_numbers: list[tuple[str, str]]  # (id, E.164): outcomes and inbound webhooks


def seed(args: argparse.Namespace, creates_needed: int, claims_needed: int):
    """Businesses, tenant keys, pool stock, numbers to patch and to report traffic for,
    one endpoint per business at the receiver. Returns (tenants, noisy key, numbers to
    create, endpoint secrets by path)."""
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import api_key_create, user_get_or_create
    from businesses.services import business_create, membership_add
    from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
    from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
    from webhooks.services import endpoint_create

    call_command("migrate", verbosity=0)
    supply = number_supply()
    admin, _ = user_get_or_create(username="load-admin", is_staff=True)
    tenants, endpoint_secrets = [], {}
    made = []
    for b in range(args.businesses):
        business = business_create(name=f"Load business {b}")
        keys = []
        for k in range(args.keys_per_business):
            user, _ = user_get_or_create(username=f"load-b{b}-u{k}")
            membership_add(user=user, business=business)
            keys.append(api_key_create(user=user, name="load")[1])
        patch_rows = [
            PhoneNumber(
                number=next(supply), name=f"patch {b}-{i}", business=business,
                inventory_state=InventoryState.ASSIGNED, status=PhoneNumberStatus.ACTIVE,
                provider="simulated",
            )
            for i in range(100)
        ]  # fmt: skip
        traffic_rows = [
            PhoneNumber(
                number=next(supply), name=f"traffic {b}-{i}", business=business,
                inventory_state=InventoryState.ASSIGNED, status=PhoneNumberStatus.ACTIVE,
                provider="simulated", routing_sms_enabled=True,
            )
            for i in range(50)
        ]  # fmt: skip
        made += patch_rows + traffic_rows
        _, secret = endpoint_create(
            acting_user=admin,
            business=business,
            url=f"http://127.0.0.1:{args.receiver_port}/b{b}",
            event_types=None,
        )
        endpoint_secrets[f"/b{b}"] = secret
        tenants.append(
            Tenant(
                business_id=str(business.pk),
                keys=keys,
                patch_targets=[str(r.pk) for r in patch_rows],
                traffic_numbers=[(str(r.pk), r.number) for r in traffic_rows],
            )
        )
    pool = [
        PhoneNumber(
            number=next(supply), name="pool", business=None,
            inventory_state=InventoryState.AVAILABLE, status=PhoneNumberStatus.ACTIVE,
        )
        for _ in range(claims_needed)
    ]  # fmt: skip
    made += pool
    PhoneNumber.objects.bulk_create(made, batch_size=1000)
    TenDlc.objects.bulk_create((TenDlc(phone_number=n) for n in made), batch_size=1000)
    Billing.objects.bulk_create(
        (Billing(phone_number=n, business=n.business) for n in made), batch_size=1000
    )
    noisy_user, _ = user_get_or_create(username="load-noisy")
    membership_add(user=noisy_user, business=business)
    noisy_key = api_key_create(user=noisy_user, name="load noisy")[1]
    to_create = [next(supply) for _ in range(creates_needed)]
    return tenants, noisy_key, to_create, endpoint_secrets


# --- Load -------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the load started, when it was due
    op: str
    status: int | str  # HTTP status, or "timeout"/"conn" for transport failures
    ms: float


class Load:
    """An open-loop generator: operations start when they are due, whether earlier ones
    have answered or not; latency is measured from when each was due."""

    def __init__(self, args, tenants, noisy_key, to_create, signing_key) -> None:
        import httpx

        self.args, self.tenants, self.noisy_key = args, tenants, noisy_key
        self.to_create = to_create
        self.signing_key = signing_key
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{args.port}",
            timeout=httpx.Timeout(15.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        )
        self.samples: list[Sample] = []
        self.acks: dict[str, list] = defaultdict(list)
        self.busy: set[str] = set()
        self.etags: dict[str, list[str]] = defaultdict(list)  # id: acknowledged ETags
        self.sent_outcomes: dict[str, list[dict]] = defaultdict(list)  # business: items
        self.sent_events: list[bytes] = []
        self.unacknowledged: Counter = Counter()
        # (operation, status, problem type) of every 409 and 5xx answer: which conflict.
        self.problems: Counter = Counter()
        self.t0 = 0.0
        self.in_flight = 0
        self.skipped = 0
        self.run_id = secrets.token_hex(3)
        self.counter = 0
        self.stop = asyncio.Event()  # --find-rate: a step did not hold
        self.steps: list[dict] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def request(self, op, due, method, url, *, key=None, retry=False, **kwargs):
        """One HTTP request (and, for `retry`, the same again after a transport failure or
        a 502/503/504, as a client with an Idempotency-Key would); every attempt is a
        sample. The last response, or None."""
        import httpx

        headers = kwargs.pop("headers", {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        for attempt in range(3 if retry else 1):
            started = due if attempt == 0 else self.now()
            try:
                response = await self.client.request(method, url, headers=headers, **kwargs)
                status: int | str = response.status_code
            except httpx.TimeoutException:
                response, status = None, "timeout"
            except httpx.TransportError:
                response, status = None, "conn"
            self.samples.append(Sample(due, op, status, (self.now() - started) * 1000))
            if response is not None and (status == 409 or status >= 500):
                self.problems[(op, status, _problem_type(response))] += 1
            if response is not None and status not in (502, 503, 504):
                return response
            if attempt < 2 and retry:
                await asyncio.sleep(0.5 + attempt)
        return response

    def tenant(self) -> tuple[Tenant, str]:
        tenant = random.choice(self.tenants)
        return tenant, random.choice(tenant.keys)

    async def op_list(self, due: float) -> None:
        _, key = self.tenant()
        params: dict = {"pageSize": random.choice((10, 20, 50))}
        choice = random.random()
        if choice < 0.3:
            params["inventoryState"] = "Assigned"
        elif choice < 0.5:
            params["search"] = "traffic"
        elif choice < 0.7:
            params["orderBy"] = "-createdAt"
        response = await self.request("list", due, "GET", "/phone-numbers", key=key, params=params)
        if response is not None and response.status_code == 200 and random.random() < 0.3:
            token = response.json().get("continuationToken")
            if token:
                await self.request(
                    "list", self.now(), "GET", "/phone-numbers", key=key,
                    params={**params, "continuationToken": token},
                )  # fmt: skip

    async def op_noisy(self, due: float) -> None:
        await self.request("noisy-list", due, "GET", "/phone-numbers", key=self.noisy_key)

    async def op_create(self, due: float) -> None:
        if not self.to_create:
            return
        tenant, key = self.tenant()
        number = self.to_create.pop()
        body = {"name": f"created {number}", "number": number, "businessId": tenant.business_id}
        response = await self.request(
            "create", due, "POST", "/phone-numbers", key=key, retry=True, json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip
        if response is not None and response.is_success:
            data = response.json()
            self.acks["created"].append([data["id"], data["number"], tenant.business_id])
        else:
            self.unacknowledged["create"] += 1
            self.acks["create_unacknowledged"].append(number)

    async def op_claim(self, due: float) -> None:
        tenant, key = self.tenant()
        body = {"name": "claimed", "businessId": tenant.business_id}
        response = await self.request(
            "claim", due, "POST", "/phone-numbers", key=key, retry=True, json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip
        if response is not None and response.is_success:
            data = response.json()
            self.acks["claimed"].append([data["id"], data["number"], tenant.business_id])
        elif response is None or response.status_code != 409:
            self.unacknowledged["claim"] += 1

    async def op_patch(self, due: float) -> None:
        tenant, key = self.tenant()
        free = [i for i in random.sample(tenant.patch_targets, 5) if i not in self.busy]
        if not free:
            self.skipped += 1
            return
        number_id = free[0]
        self.busy.add(number_id)
        try:
            url = f"/phone-numbers/{number_id}"
            got = await self.request("patch-get", due, "GET", url, key=key)
            if got is None or got.status_code != 200:
                return
            etag = got.headers["ETag"]
            self.counter += 1
            name = f"patched {self.run_id} {self.counter}"
            response = await self.request(
                "patch", self.now(), "PATCH", url, key=key, retry=True, json={"name": name},
                headers={"If-Match": etag, "Idempotency-Key": str(uuid.uuid4())},
            )  # fmt: skip
            if response is not None and response.is_success:
                self.acks["patched"].append([number_id, name, response.headers["ETag"]])
                if random.random() < 0.1:  # a writer that read before the PATCH above
                    stale = await self.request(
                        "patch-stale", self.now(), "PATCH", url, key=key,
                        json={"name": name + " stale"}, headers={"If-Match": etag},
                    )  # fmt: skip
                    if stale is not None and stale.is_success:
                        self.acks["stale_accepted"].append(number_id)
            else:
                self.unacknowledged["patch"] += 1
        finally:
            self.busy.discard(number_id)

    async def op_outcomes(self, due: float) -> None:
        tenant, key = self.tenant()
        earlier = self.sent_outcomes[tenant.business_id]
        items = []
        for _ in range(5):
            if earlier and random.random() < 0.1:
                items.append(random.choice(earlier))
                continue
            _, e164 = random.choice(tenant.traffic_numbers)
            self.counter += 1
            outcome = random.choice(("sent", "sent", "delivered", "failed", "carrier_rejected"))
            items.append(
                {
                    "messageId": f"load-{self.run_id}-{self.counter}",
                    "number": e164,
                    "channel": "sms",
                    "direction": "outbound",
                    "outcome": outcome,
                    "occurredAt": datetime.now(UTC).isoformat(),
                    "recipient": f"+1212555{random.randint(0, 9999):04d}",
                    **({"errorCode": "30007"} if outcome == "carrier_rejected" else {}),
                }
            )
        response = await self.request(
            "outcomes", due, "POST", "/message-outcomes", key=key, retry=True,
            json={"outcomes": items}, headers={"Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip
        if response is not None and response.is_success:
            answer = response.json()
            refused = {r["index"] for r in answer.get("refused", [])}
            kept = [item for i, item in enumerate(items) if i not in refused]
            earlier.extend(item for item in kept if item not in earlier)
            self.acks["outcome_batches"].append(
                {
                    "business": tenant.business_id,
                    "items": [[i["messageId"], i["outcome"]] for i in kept],
                    "accepted": answer["accepted"],
                    "duplicates": answer["duplicates"],
                    "refused": len(refused),
                }
            )
        else:
            self.unacknowledged["outcomes"] += 1

    def provider_event(self, tenant: Tenant) -> bytes:
        _, e164 = random.choice(tenant.traffic_numbers)
        now = datetime.now(UTC).isoformat()
        status = random.choice(("delivered", "delivered", "delivered", "delivery_failed"))
        errors = [{"code": "40002", "title": "Blocked as spam"}] if status != "delivered" else []
        document = {
            "data": {
                "event_type": "message.finalized",
                "id": str(uuid.uuid4()),
                "occurred_at": now,
                "payload": {
                    "completed_at": now, "direction": "outbound", "errors": errors,
                    "from": {"phone_number": e164}, "id": f"sim-{uuid.uuid4()}",
                    "record_type": "message", "to": [{"phone_number": "+13125550111",
                    "status": status}], "type": "SMS",
                },
                "record_type": "event",
            },
            "meta": {"attempt": 1},
        }  # fmt: skip
        return json.dumps(document).encode()

    async def op_inbound(self, due: float) -> None:
        from providers import signing

        tenant = random.choice(self.tenants)
        if self.sent_events and random.random() < 0.1:
            body, op = random.choice(self.sent_events), "inbound-repeat"
        else:
            body, op = self.provider_event(tenant), "inbound"
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            signing.TIMESTAMP_HEADER: stamp,
            signing.SIGNATURE_HEADER: signing.sign(self.signing_key, stamp, body),
        }
        response = await self.request(
            op, due, "POST", "/webhooks/simulated", retry=True, content=body, headers=headers
        )
        if response is not None and response.is_success:
            answer = response.json()["status"]
            document = json.loads(body)
            self.acks["inbound"].append(
                [
                    document["data"]["id"],
                    document["data"]["payload"]["id"],
                    answer,
                    tenant.business_id,
                ]
            )
            if op == "inbound":
                self.sent_events.append(body)
        else:
            self.unacknowledged["inbound"] += 1

    async def run_one(self, coroutine) -> None:
        self.in_flight += 1
        try:
            await coroutine
        except Exception as error:  # a bug of the generator must not stop the run
            self.samples.append(Sample(self.now(), "generator", type(error).__name__, 0))
        finally:
            self.in_flight -= 1

    async def drive(self, rate_at, duration: float, noisy_rate: float) -> None:
        """Poisson arrivals at rate_at(t) per second for `duration` seconds."""
        ops = list(MIX)
        weights = [MIX[o] for o in ops]
        tasks: set[asyncio.Task] = set()

        async def arrivals(kind: str) -> None:
            due = 0.0
            while not self.stop.is_set():
                rate = noisy_rate if kind == "noisy" else rate_at(due)
                due += random.expovariate(rate) if rate > 0 else 1.0
                if due >= duration:
                    return
                delay = due - self.now()
                if delay > 0:
                    await asyncio.sleep(delay)
                if self.in_flight >= 400:  # the generator's own bound: counted, not sent
                    self.skipped += 1
                    continue
                op = "noisy" if kind == "noisy" else random.choices(ops, weights)[0]
                coroutine = getattr(self, f"op_{op}")(due)
                task = asyncio.create_task(self.run_one(coroutine))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

        await asyncio.gather(arrivals("mix"), *([arrivals("noisy")] if noisy_rate else []))
        if tasks:
            await asyncio.wait(tasks, timeout=60)


def rate_at(t: float, args) -> float:
    if not args.find_rate:
        return args.rate
    return args.start_rate + int(t // args.step_seconds) * args.rate_step


def step_summary(load: Load, args, index: int) -> dict:
    lo, hi = index * args.step_seconds, (index + 1) * args.step_seconds
    rows = [s for s in load.samples if lo <= s.at < hi and s.op != "noisy-list"]
    ms = [s.ms for s in rows]
    errors = sum(1 for s in rows if is_error(s.status))
    return {
        "rate": rate_at(lo, args),
        "end": hi,
        "requests/s": len(rows) / args.step_seconds,
        "p50": pct(ms, 50),
        "p99": pct(ms, 99),
        "errors": errors,
        "held": bool(rows) and pct(ms, 99) < P99_BOUND_MS and not errors,
    }


async def step_monitor(load: Load, args) -> None:
    """--find-rate: after each step (and 15 s for its last answers), stop the load at
    the first step that did not hold."""
    index = 0
    while (index + 1) * args.step_seconds <= args.duration:
        await asyncio.sleep(max(0.0, (index + 1) * args.step_seconds + 15 - load.now()))
        step = step_summary(load, args, index)
        load.steps.append(step)
        print(
            f"  step {step['rate']:g} ops/s: {step['requests/s']:.1f} req/s, p50 "
            f"{step['p50']:.1f} ms, p99 {step['p99']:.1f} ms, {step['errors']} errors: "
            f"{'held' if step['held'] else 'did not hold'}",
            flush=True,
        )
        if not step["held"]:
            load.stop.set()
            return
        index += 1


# --- Faults -----------------------------------------------------------------------


async def faults(system: System, args, load: Load, log: list, restart) -> None:
    """The timeline: each fault at its time; `restart(delay, name)` brings a stopped
    child back, as a supervisor would."""

    async def at(seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds - load.now()))

    def note(what: str) -> None:
        log.append((load.now(), what))
        print(f"  [{load.now():6.1f} s] {what}", flush=True)

    timeline = sorted(
        [
            (args.kill_web_at, "web"),
            (args.kill_celery_at, "celery"),
            (args.stop_redis_at, "redis"),
        ]
    )
    restarts = []
    for when, what in timeline:
        await at(when)
        if what == "web":
            # In a thread: the generator must keep sending while it looks for a busy worker.
            note(await asyncio.to_thread(system.kill_web_worker))
        elif what == "celery":
            system.children.kill("worker", signal.SIGKILL)
            note("kill -9 the Celery worker's process group")
            restarts.append(asyncio.create_task(restart(args.celery_down, "worker")))
        else:
            system.children.kill("redis", signal.SIGTERM)
            note("Redis stopped")
            restarts.append(asyncio.create_task(restart(args.redis_down, "redis")))

    for task in restarts:
        await task


# --- Settle and verify ------------------------------------------------------------


def settle(args, started: float) -> tuple[bool, float, dict]:
    """Wait (bounded) until no delivery is pending, no inbound event waits and the queue
    is empty. Whether it settled, how long it took, what was left."""
    import redis
    from django.db import connection

    from providers.models import ProviderEvent
    from webhooks.models import WebhookDelivery

    client = redis.Redis(port=args.redis_port)
    left: dict = {}
    while time.monotonic() - started < args.settle_timeout:
        left = {
            "deliveries pending": WebhookDelivery.objects.filter(state="pending").count(),
            "inbound events waiting": ProviderEvent.objects.filter(status="received").count(),
            "tasks queued": client.llen("celery"),
        }
        if not any(left.values()):
            return True, time.monotonic() - started, left
        connection.close()
        time.sleep(2)
    return False, time.monotonic() - started, left


def read_receiver(record: Path) -> list[tuple[str, str, int, int, float]]:
    rows = []
    for line in record.read_text().splitlines():
        path, webhook_id, status, ok, at = line.split()
        rows.append((path, webhook_id, int(status), int(ok), float(at)))
    return rows


def verify(load: Load, endpoint_paths: dict, record: Path) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) rows."""
    from django.db.models import Count, Sum

    from phonenumbers_app.models import PhoneNumber
    from providers.models import ProviderEvent
    from warmup.models import DailyStats, MessageOutcome
    from webhooks.models import WebhookDelivery, WebhookMessage

    checks = []

    def check(name: str, passed: bool, detail: str) -> None:
        checks.append((name, passed, detail))

    rows = {
        str(pk): (number, str(business), state, version)
        for pk, number, business, state, version in PhoneNumber.objects.values_list(
            "pk", "number", "business_id", "inventory_state", "version"
        )
    }
    created = load.acks["created"]
    bad = [c for c in created if rows.get(c[0], (None, None))[:2] != (c[1], c[2])]
    per_number = Counter(
        PhoneNumber.objects.not_released().values_list("number", flat=True)
    )  # fmt: skip
    twice = [n for n, count in per_number.items() if count > 1]
    check(
        "every acknowledged create exists once, as acknowledged",
        not bad and len({c[0] for c in created}) == len(created),
        f"{len(created):,} acknowledged, {len(bad)} missing or different",
    )
    landed = sum(1 for n in load.acks["create_unacknowledged"] if n in per_number)
    check("no number exists twice (unreleased)", not twice, f"{len(twice)} numbers twice")
    claimed = load.acks["claimed"]
    ids = [c[0] for c in claimed]
    wrong = [c for c in claimed if rows.get(c[0], (None, None))[:2] != (c[1], c[2])]
    check(
        "each acknowledged claim is owned by its claimer, no number claimed twice",
        not wrong and len(set(ids)) == len(ids),
        f"{len(claimed):,} claims, {len(wrong)} not owned by the claimer, "
        f"{len(ids) - len(set(ids))} claimed twice",
    )
    last: dict[str, tuple[str, str]] = {}
    for number_id, name, etag in load.acks["patched"]:
        last[number_id] = (name, etag)
    names = dict(PhoneNumber.objects.filter(pk__in=list(last)).values_list("pk", "name"))
    off = [
        i
        for i, (name, etag) in last.items()
        if names.get(uuid.UUID(i)) != name or not etag.endswith(f'-{rows[i][3]}"')
    ]
    check(
        "each patched number has its last acknowledged PATCH (name and version)",
        not off,
        f"{len(load.acks['patched']):,} PATCHes on {len(last)} numbers, {len(off)} differ; "
        f"{len(load.acks['stale_accepted'])} stale If-Match accepted",
    )
    check(
        "no stale If-Match accepted", not load.acks["stale_accepted"],
        f"{len(load.acks['stale_accepted'])}",
    )  # fmt: skip
    # Outcomes: each acknowledged (business, messageId, outcome) stored once; the answers'
    # "accepted" add up to the distinct identities; the daily counters count each once.
    acknowledged = set()
    accepted = duplicates = refused = 0
    for batch in load.acks["outcome_batches"]:
        accepted += batch["accepted"]
        duplicates += batch["duplicates"]
        refused += batch["refused"]
        acknowledged.update((batch["business"], m, o) for m, o in batch["items"])
    mine = MessageOutcome.objects.filter(message_id__startswith="load-")
    stored = {
        (str(b), m, o) for b, m, o in mine.values_list("business_id", "message_id", "outcome")
    }
    missing = acknowledged - stored
    check(
        "each acknowledged outcome stored once; accepted answers = distinct outcomes",
        not missing and accepted == len(stored),
        f"{len(acknowledged):,} distinct acknowledged, {len(stored):,} stored, "
        f"{len(missing)} missing, answers: {accepted:,} accepted + {duplicates:,} duplicates, "
        f"{refused} refused",
    )
    inbound = load.acks["inbound"]
    event_ids = {i[0] for i in inbound}
    events = dict(
        ProviderEvent.objects.filter(provider="simulated").values_list("event_id", "status")
    )
    lost = [i for i in event_ids if i not in events]
    unprocessed = Counter(events[i] for i in event_ids if i in events)
    per_event = Counter(
        ProviderEvent.objects.filter(provider="simulated").values_list("event_id", flat=True)
    )
    repeats = sum(1 for i in inbound if i[2] == "duplicate")
    check(
        "each accepted inbound event stored once and processed",
        not lost and set(unprocessed) <= {"processed"} and max(per_event.values(), default=1) == 1,
        f"{len(event_ids):,} events acknowledged ({repeats:,} answers 'duplicate'), "
        f"{len(lost)} not stored, statuses {dict(unprocessed)}",
    )
    message_ids = {i[1] for i in inbound}
    from_events = set(
        MessageOutcome.objects.filter(message_id__startswith="sim-").values_list(
            "message_id", flat=True
        )
    )
    check(
        "each processed inbound event's outcome recorded once",
        message_ids <= from_events,
        f"{len(message_ids):,} messages, {len(message_ids - from_events)} without an outcome",
    )
    by_outcome = Counter(
        dict(MessageOutcome.objects.values_list("outcome").annotate(n=Count("id")))
    )  # fmt: skip
    sums = DailyStats.objects.aggregate(
        sent=Sum("sms_sent"), delivered=Sum("sms_delivered"), failed=Sum("sms_failed"),
        carrier_rejected=Sum("sms_carrier_rejected"),
    )  # fmt: skip
    counted = {k: v or 0 for k, v in sums.items()}
    check(
        "daily counters count each stored outcome once",
        all(counted[k] == by_outcome.get(k, 0) for k in counted),
        f"stored {dict(by_outcome)}, counters {counted}",
    )
    states = Counter(WebhookDelivery.objects.values_list("state", flat=True))
    check(
        "every outbound delivery succeeded",
        set(states) <= {"succeeded"},
        f"{sum(states.values()):,} deliveries: {dict(states)}",
    )
    expected = {
        (endpoint_paths[str(endpoint)], f"msg_{message.hex}")
        for message, endpoint in WebhookDelivery.objects.values_list("message_id", "endpoint_id")
    }
    arrivals = read_receiver(record)
    got = Counter((p, i) for p, i, status, *_ in arrivals if status == 200)
    never = expected - set(got)
    repeats = sum(n - 1 for n in got.values() if n > 1)
    failed_first = sum(1 for _, _, status, *_ in arrivals if status == 500)
    bad_signatures = sum(1 for *_, ok, _ in arrivals if not ok)
    check(
        "the receiver got every message's webhook-id, signed",
        not never and not bad_signatures,
        f"{len(expected):,} (endpoint, webhook-id) expected, {len(never)} never received; "
        f"{repeats} received again after a 200 (at least once); {failed_first} answered 500 "
        f"first and retried; {bad_signatures} bad signatures; "
        f"{WebhookMessage.objects.count():,} messages",
    )
    lags(load, arrivals)
    load.verification_notes = {
        "creates not acknowledged": len(load.acks["create_unacknowledged"]),
        "of which landed": landed,
        "unacknowledged by operation": dict(load.unacknowledged),
        "409 and 5xx answers (operation, status, problem type)": {
            " ".join(map(str, key)): count for key, count in sorted(load.problems.items())
        },
    }
    return checks


def _problem_type(response) -> str:
    try:
        return str(response.json().get("type"))
    except ValueError:
        return "not problem+json"


def lags(load: Load, arrivals) -> None:
    """Per 10-second window of the load (by when the work was created): how long its
    webhooks took from the outbox to the receiver's first 200, and how long inbound
    events waited to be processed. What the Celery and Redis faults cost shows here."""
    from providers.models import ProviderEvent
    from webhooks.models import WebhookMessage

    created = {
        f"msg_{pk.hex}": at.timestamp()
        for pk, at in WebhookMessage.objects.values_list("pk", "created_at")
    }
    first: dict[tuple[str, str], float] = {}
    for path, webhook_id, status, _, at in arrivals:
        if status == 200:
            first.setdefault((path, webhook_id), at)
    load.webhook_lag = defaultdict(list)
    for (_, webhook_id), at in first.items():
        if webhook_id in created:
            window = int((created[webhook_id] - load.t0_wall) // 10)
            load.webhook_lag[window].append(at - created[webhook_id])
    load.inbound_lag = defaultdict(list)
    for received, processed in ProviderEvent.objects.exclude(processed_at=None).values_list(
        "received_at", "processed_at"
    ):
        window = int((received.timestamp() - load.t0_wall) // 10)
        load.inbound_lag[window].append((processed - received).total_seconds())


# --- Report -----------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


def is_error(status) -> bool:
    return not (isinstance(status, int) and (200 <= status < 300 or status in EXPECTED))


def operation_table(samples: list[Sample], seconds: float) -> list[str]:
    by_op: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_op[s.op].append(s)
    lines = [
        "| operation | requests | /s | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for op in sorted(by_op):
        rows = by_op[op]
        ms = [s.ms for s in rows]
        statuses = Counter(str(s.status) for s in rows)
        lines.append(
            f"| {op} | {len(rows):,} | {len(rows) / seconds:.1f} | {pct(ms, 50):.1f} | "
            f"{pct(ms, 95):.1f} | {pct(ms, 99):.1f} | "
            f"{', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items()))} |"
        )
    ms = [s.ms for s in samples]
    lines.append(
        f"| **all** | {len(samples):,} | {len(samples) / seconds:.1f} | {pct(ms, 50):.1f} | "
        f"{pct(ms, 95):.1f} | {pct(ms, 99):.1f} | |"
    )
    return lines


def window_table(load: Load, faults_log: list, width: float = 10) -> list[str]:
    samples = load.samples
    windows: dict[int, list[Sample]] = defaultdict(list)
    for s in samples:
        windows[int(s.at // width)].append(s)
    lines = [
        "| window | requests | errors | unexpected statuses | 429 | 412 | 409 | p99 ms "
        "| webhook lag p50 / max s | inbound lag max s | fault |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for w in sorted(windows):
        rows = windows[w]
        statuses = Counter(s.status for s in rows)
        errors = {str(k): v for k, v in statuses.items() if is_error(k)}
        out = getattr(load, "webhook_lag", {}).get(w, [])
        inbound = getattr(load, "inbound_lag", {}).get(w, [])
        fault = "; ".join(what for at, what in faults_log if w * width <= at < (w + 1) * width)
        lines.append(
            f"| {w * width:.0f}-{(w + 1) * width:.0f} s | {len(rows)} | {sum(errors.values())} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(errors.items()))} | {statuses[429]} | "
            f"{statuses[412]} | {statuses[409]} | {pct([s.ms for s in rows], 99):.0f} | "
            f"{pct(out, 50):.1f} / {max(out, default=float('nan')):.1f} | "
            f"{max(inbound, default=float('nan')):.1f} | {fault} |"
        )
    return lines


# --- Main -------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    for stale in ("receiver.txt", "gunicorn.log", "worker.log", "beat.log", "redis.log"):
        (VAR / stale).unlink(missing_ok=True)
    import base64

    signing_key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = environment(args, signing_key)
    os.environ.update(env)
    system = System(args, env)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return run(args, system, signing_key)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        system.children.stop_all()


def run(args, system: System, signing_key: str) -> int:
    if args.find_rate:
        rates = [
            rate_at(i * args.step_seconds, args)
            for i in range(int(args.duration // args.step_seconds))
        ]
        operations = sum(rates) * args.step_seconds
    else:
        operations = args.rate * args.duration
    creates = int(operations * MIX["create"] * 1.3) + 100
    claims = int(operations * MIX["claim"] * 1.3) + 100
    print(f"database {args.database}: fresh; seeding ({claims:,} pool numbers)", flush=True)
    fresh_database(args)
    system.start_redis()
    tenants, noisy_key, to_create, endpoint_secrets = seed(args, creates, claims)
    from webhooks.models import WebhookEndpoint

    endpoint_paths = {
        str(pk): "/" + url.rsplit("/", 1)[1]
        for pk, url in WebhookEndpoint.objects.values_list("pk", "url")
    }
    secrets_file, record = VAR / "endpoint-secrets.json", VAR / "receiver.txt"
    secrets_file.write_text(json.dumps(endpoint_secrets))
    secrets_file.chmod(0o600)
    system.start_receiver(secrets_file, record)
    system.start_worker()
    system.start_beat()
    system.start_web()
    from django.db import connection

    connection.close()
    load = Load(args, tenants, noisy_key, to_create, signing_key)
    faults_log: list = []

    async def restart(delay: float, name: str) -> None:
        await asyncio.sleep(delay)
        if name == "worker":
            system.start_worker()
            faults_log.append((load.now(), "Celery worker started again"))
        else:
            system.start_redis()
            faults_log.append((load.now(), "Redis started again (empty: no persistence)"))
        print(f"  [{load.now():6.1f} s] {name} started again", flush=True)

    async def go() -> None:
        # Warm-up outside the clock: every gunicorn worker's first API requests (lazy
        # imports, URL resolution, database and Redis connections).
        key = tenants[0].keys[0]
        await asyncio.gather(
            *(
                load.client.get("/phone-numbers", headers={"Authorization": f"Bearer {key}"})
                for _ in range(4 * args.workers)
            )
        )
        load.t0 = time.monotonic()
        load.t0_wall = time.time()
        jobs = [load.drive(lambda t: rate_at(t, args), args.duration, args.noisy_rate)]
        if args.find_rate:
            jobs.append(step_monitor(load, args))
        if not args.no_faults:
            jobs.append(faults(system, args, load, faults_log, restart))
        await asyncio.gather(*jobs)
        await load.client.aclose()

    print(
        f"load: {'find-rate' if args.find_rate else f'{args.rate:g} ops/s'} for "
        f"{args.duration:g} s, noisy tenant {args.noisy_rate:g}/s, "
        f"{'no faults' if args.no_faults else 'faults on'}",
        flush=True,
    )
    loads_before = os.getloadavg()
    cpu = time.process_time()
    asyncio.run(go())
    load.generator_cpu = time.process_time() - cpu
    load_average = os.getloadavg()
    seconds = load.steps[-1]["end"] if load.steps else args.duration
    (VAR / "acks.json").write_text(json.dumps(load.acks))
    (VAR / "samples.csv").write_text(
        "at,op,status,ms\n"
        + "".join(f"{x.at:.3f},{x.op},{x.status},{x.ms:.1f}\n" for x in load.samples)
    )
    print("load done; settling", flush=True)
    settled, waited, left = settle(args, time.monotonic())
    checks = verify(load, endpoint_paths, record)
    report = build_report(
        args, load, seconds, faults_log, settled, waited, left, checks, loads_before,
        load_average,
    )  # fmt: skip
    print(report)
    Path(args.report).write_text(report)
    print(f"written to {args.report}")
    return 0 if all(passed for _, passed, _ in checks) and settled else 1


def build_report(
    args, load, seconds, faults_log, settled, waited, left, checks, before, after
) -> str:
    samples = load.samples
    errors = Counter(str(s.status) for s in samples if is_error(s.status))
    lines = [
        f"# Load and fault run ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Command: `.venv/bin/python bench/load/run.py {' '.join(sys.argv[1:])}`",
        "",
        f"- {os.cpu_count()} cores; load average before {before[0]:.1f}, after "
        f"{after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f} (1/5/15 min; other work included)",
        f"- gunicorn {args.workers} workers (production settings"
        f"{', gunicorn.conf.py' if (ROOT / 'gunicorn.conf.py').exists() else ''}), Celery worker "
        f"{args.concurrency} processes + beat, PostgreSQL `{args.database}`, Redis "
        f":{args.redis_port}, receiver :{args.receiver_port} (first try of "
        f"{args.receiver_fail:.0%} of webhook-ids answered 500)",
        f"- API_RATE_LIMIT {args.rate_limit} per key; {args.businesses} businesses x "
        f"{args.keys_per_business} keys share the mix; one noisy key sends "
        f"{args.noisy_rate:g} lists/s (429 expected)",
        f"- {len(samples):,} requests in {seconds:g} s = {len(samples) / seconds:.1f} req/s; "
        f"errors (not 2xx/409/412/429): {sum(errors.values())} {dict(errors) or ''}; "
        f"{load.skipped} operations skipped by the generator (its own CPU: "
        f"{load.generator_cpu:.0f} s, {load.generator_cpu / seconds:.0%} of a core)",
        "",
    ]
    if args.find_rate:
        lines += ["## Steps", "", "| ops/s | req/s | p50 ms | p99 ms | errors | held |",
                  "|---:|---:|---:|---:|---:|---|"]  # fmt: skip
        lines += [
            f"| {s['rate']:g} | {s['requests/s']:.1f} | {s['p50']:.1f} | {s['p99']:.1f} | "
            f"{s['errors']} | {'yes' if s['held'] else 'no'} |"
            for s in load.steps
        ]
        held = [s["rate"] for s in load.steps if s["held"]]
        best = f"{held[-1]:g} ops/s" if held else "none"
        lines += [
            "",
            f"Highest rate that held (p99 < {P99_BOUND_MS:g} ms, the noisy key's requests "
            f"aside; no errors): **{best}**",
            "",
        ]
    lines += ["## Per operation", "", *operation_table(samples, seconds), ""]
    if faults_log:
        lines += ["## Faults", ""]
        lines += [f"- {at:.1f} s: {what}" for at, what in faults_log]
        lines += [""]
    lines += ["## Per 10 seconds", "", *window_table(load, faults_log), ""]
    lines += [
        "## Verification",
        "",
        f"Settled: {'yes' if settled else 'NO'} after {waited:.0f} s ({left})",
        "",
        "| check | result | detail |",
        "|---|---|---|",
        *(f"| {name} | {'pass' if ok else '**FAIL**'} | {detail} |" for name, ok, detail in checks),
        "",
        f"Not acknowledged (a timeout or a dropped connection, then no 2xx): "
        f"{getattr(load, 'verification_notes', {})}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
