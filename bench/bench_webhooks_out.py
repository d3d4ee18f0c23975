"""Outbound webhooks fan-out: NUMBERS numbers changed, ENDPOINTS endpoints subscribed to
each change (NUMBERS x ENDPOINTS deliveries), sent signed to a local receiver.

The receiver is another process (asyncio: reads the request, answers 200, notes when
each webhook-id arrived). Three ways of sending, as MODES says (default all three):

- inprocess: the changes are committed first (the backlog), then this process runs the
  drain loop (webhooks.delivery.deliver_due, batch after batch, as the task does) until
  nothing is due: deliveries/s of one drain.
- backlog: the changes are committed first, then one wake-up has a real Celery worker
  (CONCURRENCY prefork processes, Redis broker, production settings) send them all:
  deliveries/s from the wake-up to the last arrival.
- worker: a real Celery worker (CONCURRENCY prefork processes, Redis broker) is running
  while WRITERS threads commit the changes; each commit wakes it (the on-commit
  wake-up, as in production): deliveries/s from the first commit to the last arrival,
  and the latency of each delivery from its change's commit to its arrival (p50, p95).

Both report the outbox's cost in the change's transaction: the time of
webhooks.outbox.publish (the subscribers' look-up, the number's representation, the
message and delivery inserts) and of the whole change, p50 and p95.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_webhooks_out \\
    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/bench_webhooks_out.py

Environment: NUMBERS (500), ENDPOINTS (4), MODES (inprocess,backlog,worker), CONCURRENCY
(worker processes, 2), WRITERS (threads committing changes in worker mode, 2),
WEBHOOK_DELIVERY_BATCH and WEBHOOK_DELIVERY_CONCURRENCY (the settings, default 100
and 16), RECEIVER_PORT (8897), TIMEOUT (seconds to wait for the deliveries, 300).
The database is the benchmark's own: its webhook endpoints, messages and deliveries
are deleted first (the numbers of an earlier run are used again).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# The worker (production settings) must read the endpoints' secrets this process
# encrypted: one key for both.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

NUMBERS = int(os.environ.get("NUMBERS", "500"))
ENDPOINTS = int(os.environ.get("ENDPOINTS", "4"))
MODES = os.environ.get("MODES", "inprocess,backlog,worker").split(",")
CONCURRENCY = int(os.environ.get("CONCURRENCY", "2"))
WRITERS = int(os.environ.get("WRITERS", "2"))
RECEIVER_PORT = int(os.environ.get("RECEIVER_PORT", "8897"))
TIMEOUT = float(os.environ.get("TIMEOUT", "300"))
NAME = "webhooks out bench"


# --- The receiver (its own process) ------------------------------------------------


def receive(port: int, record: str) -> None:
    """Answer 200 to every POST; on SIGTERM write "<path> <webhook-id> <arrival time>"
    lines (one endpoint per path)."""
    arrivals: list[tuple[str, str, float]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            await reader.readexactly(int(headers.get("content-length", "0")))
            arrivals.append((path, headers.get("webhook-id", "?"), time.time()))
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        async with server:
            await stop.wait()
        Path(record).write_text("".join(f"{p} {i} {t}\n" for p, i, t in arrivals))

    asyncio.run(serve())


class Receiver:
    def __init__(self, port: int) -> None:
        self.port, self.record = port, f"/tmp/bench_webhooks_out_{os.getpid()}_{port}.txt"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "receive", str(port), self.record],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the receiver did not start")

    def stop(self) -> dict[tuple[str, str], float]:
        """Stop it; the first arrival of each (endpoint's path, webhook-id)."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        arrivals: dict[tuple[str, str], float] = {}
        for line in Path(self.record).read_text().splitlines():
            path, webhook_id, at = line.split()
            arrivals.setdefault((path, webhook_id), float(at))
        Path(self.record).unlink()
        return arrivals


# --- Set-up, changes, measurements ---------------------------------------------------


def setup():
    """A clean slate: ENDPOINTS endpoints of one business pointing at the receiver,
    NUMBERS numbers of that business; the staff user that changes them."""
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from bench.bench_outcomes import valid_numbers
    from businesses.models import Business
    from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
    from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
    from webhooks.models import WebhookEndpoint, WebhookMessage
    from webhooks.services import endpoint_create

    call_command("migrate", verbosity=0)
    WebhookMessage.objects.all().delete()
    WebhookEndpoint.objects.all().delete()
    business, _ = Business.objects.get_or_create(name=NAME)
    user, _ = User.objects.get_or_create(username="webhooks-out-bench", defaults={"is_staff": True})
    for i in range(ENDPOINTS):
        endpoint_create(
            acting_user=user,
            business=business,
            url=f"http://127.0.0.1:{RECEIVER_PORT}/hooks/{i}",
            event_types=["phone_number.updated"],
        )
    # The numbers of an earlier run are kept (their audit events protect them), more made.
    mine = PhoneNumber.objects.filter(business=business).order_by("created_at", "id")
    have = mine.count()
    if have < NUMBERS:
        taken = set(PhoneNumber.objects.not_released().values_list("number", flat=True))
        fresh = [n for n in valid_numbers(NUMBERS * 20) if n not in taken][: NUMBERS - have]
        made = PhoneNumber.objects.bulk_create(
            PhoneNumber(
                number=number,
                name=f"{NAME} {i}",
                business=business,
                inventory_state=InventoryState.ASSIGNED,
                status=PhoneNumberStatus.ACTIVE,
                provider="simulated",
            )
            for i, number in enumerate(fresh)
        )
        TenDlc.objects.bulk_create(TenDlc(phone_number=n) for n in made)
        Billing.objects.bulk_create(Billing(phone_number=n, business=business) for n in made)
    numbers = list(mine[:NUMBERS])
    return user, numbers


class Timed:
    """webhooks.outbox.publish, timed (the outbox's share of a change's transaction)."""

    def __init__(self) -> None:
        from webhooks import outbox

        self.original, self.times, self.lock = outbox.publish, [], threading.Lock()
        outbox.publish = self

    def __call__(self, events):
        started = time.perf_counter()
        try:
            return self.original(events)
        finally:
            with self.lock:
                self.times.append(time.perf_counter() - started)


def change_all(user, numbers, writers: int, publish: Timed) -> tuple[dict, list[float]]:
    """Rename every number, each in its own transaction, from `writers` threads: each
    number's commit time (wall clock) and each change's duration."""
    from django.db import connection

    from phonenumbers_app.services import phone_number_update

    committed: dict = {}
    durations: list[float] = []
    lock = threading.Lock()
    stamp = time.time_ns()

    def write(mine) -> None:
        try:
            for number in mine:
                started = time.perf_counter()
                phone_number_update(
                    phone_number=number, acting_user=user, fields={"name": f"{NAME} {stamp}"}
                )
                with lock:
                    committed[number.pk] = time.time()
                    durations.append(time.perf_counter() - started)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(numbers[i::writers],)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(committed) == len(numbers), "a change failed"
    return committed, durations


def ms(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "-"
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def outbox_report(publish: Timed, durations: list[float]) -> None:
    print(
        f"  outbox write in the change's transaction ({ENDPOINTS} deliveries each): "
        f"{ms(publish.times)}; whole change {ms(durations)}"
    )
    publish.times.clear()


def wait_until_delivered(expected: int) -> float:
    """Poll the database until `expected` deliveries have succeeded; when they had."""
    from webhooks.models import WebhookDelivery

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        done = WebhookDelivery.objects.filter(state="succeeded").count()
        if done >= expected:
            return time.time()
        time.sleep(0.05)
    raise SystemExit(f"only {done} of {expected} deliveries succeeded in {TIMEOUT:g} s")


def states() -> dict:
    from django.db.models import Count

    from webhooks.models import WebhookDelivery

    return dict(WebhookDelivery.objects.values_list("state").annotate(n=Count("id")))


def reset_deliveries() -> None:
    from webhooks.models import WebhookMessage

    WebhookMessage.objects.all().delete()


def run_inprocess(user, numbers, publish: Timed) -> None:
    from webhooks.delivery import deliver_due
    from webhooks.tasks import DRAIN

    expected = len(numbers) * ENDPOINTS
    receiver = Receiver(RECEIVER_PORT)
    try:
        # "A drain is pending": the commits send no task (this process drains).
        DRAIN.raise_flag()
        _, durations = change_all(user, numbers, 1, publish)
        outbox_report(publish, durations)
        started = time.perf_counter()
        cpu = time.process_time()
        passes = sent = 0
        while True:
            run = deliver_due()
            passes += 1
            sent += run.succeeded
            if not run.claimed:
                break
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        arrivals = receiver.stop()
    print(
        f"  in-process drain: {sent:,} of {expected:,} deliveries in {wall:.2f} s = "
        f"{sent / wall:,.0f} deliveries/s ({passes} passes; this process's CPU {cpu:.1f} s = "
        f"{cpu / max(sent, 1) * 1e6:.0f} us per delivery); the receiver got {len(arrivals):,}; "
        f"states {states()}"
    )


def start_worker() -> subprocess.Popen:
    """A Celery worker on production settings, ready to take tasks."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
        # The receiver is on this machine; production refuses such targets otherwise.
        "WEBHOOK_ALLOW_LOCAL_TARGETS": "1",
    }
    worker = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "--loglevel", "INFO"),
            *("--concurrency", str(CONCURRENCY), "--without-gossip", "--without-mingle"),
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    wait_until_ready(worker)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM to the main process only: its pool's processes finish
    their tasks); kill -9 of the group if that takes too long."""
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def run_worker(user, numbers, publish: Timed) -> None:
    from webhooks.models import WebhookMessage
    from webhooks.tasks import DRAIN

    expected = len(numbers) * ENDPOINTS
    DRAIN.clear()  # a flag an earlier run left would hold the first wake-up back
    receiver = Receiver(RECEIVER_PORT)
    worker = start_worker()
    try:
        started = time.time()
        committed, durations = change_all(user, numbers, WRITERS, publish)
        writes_done = time.time()
        finished = wait_until_delivered(expected)
    finally:
        stop_worker(worker)
        arrivals = receiver.stop()
    outbox_report(publish, durations)
    by_id = {
        m.webhook_id: m.phone_number_id
        for m in WebhookMessage.objects.only("id", "phone_number_id")
    }
    latencies = [at - committed[by_id[i]] for (_, i), at in arrivals.items() if i in by_id]
    last = max(arrivals.values())
    wall = last - started
    print(
        f"  worker ({CONCURRENCY} prefork processes) while {WRITERS} threads commit: "
        f"{len(latencies):,} of {expected:,} deliveries in {wall:.2f} s from the first "
        f"commit = {len(latencies) / wall:,.0f} deliveries/s (the changes took "
        f"{writes_done - started:.2f} s, all succeeded {finished - started:.2f} s after the "
        f"first); commit → arrival {ms(latencies)}; states {states()}"
    )


def run_backlog(user, numbers, publish: Timed) -> None:
    from webhooks.tasks import DRAIN, wake

    expected = len(numbers) * ENDPOINTS
    receiver = Receiver(RECEIVER_PORT)
    worker = start_worker()
    try:
        DRAIN.raise_flag()  # the commits send no task: a backlog builds up
        _, durations = change_all(user, numbers, WRITERS, publish)
        DRAIN.clear()
        started = time.time()
        wake()
        wait_until_delivered(expected)
    finally:
        stop_worker(worker)
        arrivals = receiver.stop()
    outbox_report(publish, durations)
    wall = max(arrivals.values()) - started
    print(
        f"  worker ({CONCURRENCY} prefork processes) draining a backlog: {len(arrivals):,} of "
        f"{expected:,} deliveries in {wall:.2f} s from the wake-up = "
        f"{len(arrivals) / wall:,.0f} deliveries/s; states {states()}"
    )


def wait_until_ready(worker: subprocess.Popen) -> None:
    """Wait until the worker takes tasks (its start is not measured); then keep reading
    what it prints (a full pipe would stop it), showing errors."""
    for line in worker.stdout:
        if " ready." in line:
            break
    else:
        raise SystemExit("the worker exited before it was ready")

    def show_errors() -> None:
        for line in worker.stdout:
            if "ERROR" in line or "Traceback" in line:
                print("  worker:", line.rstrip())

    threading.Thread(target=show_errors, daemon=True).start()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "receive":
        receive(int(sys.argv[2]), sys.argv[3])
        return
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL (the broker and the wake-up flag, as in production)")
    user, numbers = setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    publish = Timed()
    print(
        f"cores: {os.cpu_count()} (nproc); {NUMBERS:,} numbers x {ENDPOINTS} endpoints = "
        f"{NUMBERS * ENDPOINTS:,} deliveries per mode; batch {settings.WEBHOOK_DELIVERY_BATCH}, "
        f"{settings.WEBHOOK_DELIVERY_CONCURRENCY} sending threads per drain"
    )
    for mode in MODES:
        print(f"{mode}:")
        reset_deliveries()
        modes = {"inprocess": run_inprocess, "worker": run_worker, "backlog": run_backlog}
        modes[mode](user, numbers, publish)
    print(f"load average {os.getloadavg()[0]:.1f} (others' work too)")


if __name__ == "__main__":
    main()
