"""One warmup-engine pass over every number of a loaded PostgreSQL database.

Prepares the worst pass of a day: every unreleased number warming (a random plan day),
each with 7 days of daily stats, and the first pass of a new Eastern day, when every
number gets its advance-or-hold decision (and an event). A mix of traffic: most numbers
used their allowance with clean delivery (they advance), some sent too little (they
hold), some deliver below target (they hold, needing attention), a few are filtered by
carriers (they are paused).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_warmup_pass.py --prepare --processes 2

--processes N evaluates chunks in N processes, as N Celery worker processes would
(`celery -A config worker --concurrency N`); --celery sends the pass to running workers
instead and waits for its EngineRun to finish.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from warmup import clock, engine  # noqa: E402
from warmup.models import EngineRun  # noqa: E402

PREPARE = """
TRUNCATE warmup_numberwarmup, warmup_dailystats;
UPDATE phonenumbers_app_phonenumber
   SET warmup_enabled = true, warmup_state = 'Warming', health_status = 'Healthy'
 WHERE inventory_state <> 'Released'
   AND (NOT warmup_enabled OR warmup_state IS DISTINCT FROM 'Warming');
INSERT INTO warmup_numberwarmup
    (phone_number_id, plan_day, evaluated_day, pacing_status, auto_paused, auto_pauses,
     started_at, health_since)
SELECT id, 1 + (abs(hashtext(id::text)) %% 19), %(yesterday)s, 'warmup', false, '[]'::jsonb,
       %(started)s, %(started)s
  FROM phonenumbers_app_phonenumber WHERE inventory_state <> 'Released';
-- 7 days of stats for every number with an owner; the last digit of a hash picks its
-- traffic: 0-6 clean and enough (advance), 7 too little (hold), 8 delivery 92 percent
-- (attention), 9 carrier-filtered (pause).
INSERT INTO warmup_dailystats
    (phone_number_id, business_id, day, sms_sent, sms_delivered, sms_failed,
     sms_carrier_rejected, mms_sent, mms_delivered, mms_failed, mms_carrier_rejected,
     opt_outs, spam_reports, received, recipients, calls_placed, calls_connected,
     calls_short, calls_invalid_number, calls_failed, updated_at)
SELECT p.id, p.business_id, %(today)s::date - d, sent,
       CASE k WHEN 8 THEN sent * 92 / 100 WHEN 9 THEN sent * 90 / 100 ELSE sent END,
       CASE k WHEN 8 THEN sent - sent * 92 / 100 ELSE 0 END,
       CASE k WHEN 9 THEN sent - sent * 90 / 100 ELSE 0 END,
       0, 0, 0, 0, 0, 0, 2, sent * 9 / 10, 3, 2, 0, 0, 0, now()
  FROM phonenumbers_app_phonenumber p
 CROSS JOIN generate_series(1, 7) AS d
 CROSS JOIN LATERAL (SELECT abs(hashtext(p.id::text)) %% 10 AS k) h
 CROSS JOIN LATERAL (SELECT CASE h.k WHEN 7 THEN 3 ELSE 400 END AS sent) s
 WHERE p.business_id IS NOT NULL AND p.inventory_state <> 'Released';
ANALYZE warmup_numberwarmup;
ANALYZE warmup_dailystats;
"""


def prepare(now) -> None:
    today = clock.eastern_day(now)
    started = now - timedelta(days=10)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in PREPARE.split(";\n"):
            if statement.strip():
                cursor.execute(
                    statement,
                    {"yesterday": today - timedelta(days=1), "today": today, "started": started},
                )
        cursor.execute("SELECT count(*) FROM warmup_dailystats")
        stats = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM warmup_numberwarmup")
        numbers = cursor.fetchone()[0]
    print(f"prepared {numbers:,} warming numbers, {stats:,} daily stats rows "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip


def _evaluate(args):
    after, upto, since = args
    connection.close()  # a fresh connection per process
    return engine.evaluate_chunk(engine.Chunk(after, upto), since=since)


def run_in_processes(processes: int, *, incremental: bool) -> EngineRun:
    # Incremental: what beat's passes do (judge what may have changed since the last
    # complete pass); otherwise judge every number, as a first pass ever does.
    since = engine.previous_pass_started() if incremental else None
    run = engine.start_run(trigger="bench")
    all_chunks = list(engine.chunks())
    EngineRun.objects.filter(pk=run.pk).update(chunks_total=len(all_chunks))
    connection.close()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        work = [(c.after, c.upto, since) for c in all_chunks]
        for counts in pool.imap_unordered(_evaluate, work):
            engine.record_chunk(run.pk, counts)
    run.refresh_from_db()
    return run


def run_on_celery() -> EngineRun:
    from warmup.tasks import tick

    tick.delay()
    time.sleep(1)
    run = EngineRun.objects.order_by("-started_at").first()
    while run.status == EngineRun.Status.RUNNING:
        time.sleep(1)
        run.refresh_from_db()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prepare", action="store_true", help="(re)write the engine's rows")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--celery", action="store_true")
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="judge only what may have changed since the last pass (as beat's passes do)",
    )
    args = parser.parse_args()
    now = timezone.now()
    if args.prepare:
        prepare(now)
    t0 = time.perf_counter()
    run = (
        run_on_celery()
        if args.celery
        else run_in_processes(args.processes, incremental=args.incremental)
    )
    wall = time.perf_counter() - t0
    print(
        f"cores: {os.cpu_count()}; processes: {args.processes if not args.celery else 'celery'}; "
        f"chunks: {run.chunks_total}; wall: {wall:.1f} s; run: {run.duration_seconds:.1f} s\n"
        f"evaluated {run.evaluated:,}, changed {run.changed:,}: advanced {run.advanced:,}, "
        f"held {run.held:,}, paused {run.paused:,}, started {run.started:,}, "
        f"promoted {run.promoted:,}, blocked {run.blocked:,}"
    )


if __name__ == "__main__":
    main()
